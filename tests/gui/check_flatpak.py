"""Checks the flatpak manifests (suite 'data'). No GNOME SDK can be fetched
here, so nothing is built; instead every manifest in flatpak/ must:
- be well-formed JSON with the keys a build needs (id, runtime,
  runtime-version, sdk, command, modules) and no key flatpak-builder does
  not know (it only warns about those);
- name only sources that exist in the repository (type dir/file/patch with
  a path) or that are pinned (archive/file with a url and a sha256 of 64
  hex digits; git with a commit);
- build ARTS without -Dwerror=true (newer GTK deprecates 4.8-era calls);
- when flatpak-builder is installed, pass `flatpak-builder --show-manifest`
  without printing WARNING.

    check_flatpak.py FLATPAK_DIR
    check_flatpak.py --self-test    (each kind of bad manifest is caught)
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

TOP_KEYS = {
    "id", "app-id", "branch", "runtime", "runtime-version", "sdk", "command",
    "finish-args", "cleanup", "cleanup-commands", "modules", "build-options",
    "sdk-extensions", "add-extensions", "rename-desktop-file",
    "rename-appdata-file", "rename-icon", "copy-icon", "desktop-file-name-prefix",
    "desktop-file-name-suffix", "separate-locales", "tags", "base",
    "base-version", "platform-extensions", "inherit-extensions",
    "finish-args", "appstream-compose", "cleanup-platform",
}
MODULE_KEYS = {
    "name", "buildsystem", "config-opts", "sources", "build-commands",
    "post-install", "cleanup", "build-options", "modules", "make-args",
    "make-install-args", "no-autogen", "builddir", "subdir", "install-rule",
    "disabled", "cleanup-platform", "ensure-writable", "only-arches",
    "skip-arches", "rm-configure", "no-make-install", "no-python-timestamps",
    "test-commands", "run-tests", "test-rule",
}
SOURCE_KEYS = {
    "type", "url", "path", "sha256", "sha512", "commit", "tag", "branch",
    "dest", "dest-filename", "strip-components", "commands", "only-arches",
    "skip-arches", "mirror-urls", "x-checker-data", "paths", "use-git",
    "archive-type",
}
HEX64 = re.compile(r"^[0-9a-f]{64}$")
errors = []


def err(where, msg):
    errors.append(f"{where}: {msg}")


def check_source(where, base, src):
    for k in src:
        if k not in SOURCE_KEYS:
            err(where, f"unknown source key {k!r}")
    t = src.get("type")
    if t in ("dir", "file", "patch") and "path" in src:
        p = os.path.normpath(os.path.join(base, src["path"]))
        if not os.path.exists(p):
            err(where, f"local source {src['path']} does not exist ({p})")
    elif t in ("archive", "file"):
        if "url" not in src:
            err(where, f"{t} source without url or path")
        elif not src["url"].startswith("https://"):
            err(where, f"{src['url']}: not https")
        if not HEX64.match(src.get("sha256", "")):
            err(where, f"{src.get('url')}: not pinned by a sha256")
    elif t == "git":
        if not re.match(r"^[0-9a-f]{40}$", src.get("commit", "")):
            err(where, "git source not pinned to a commit")
    else:
        err(where, f"source type {t!r} is neither local nor pinned")


def check_module(where, base, mod):
    if isinstance(mod, str):  # a module in its own file
        p = os.path.join(base, mod)
        if not os.path.exists(p):
            err(where, f"module file {mod} does not exist")
        return
    name = mod.get("name")
    where = f"{where} module {name}"
    if not name:
        err(where, "module without a name")
    for k in mod:
        if k not in MODULE_KEYS:
            err(where, f"unknown module key {k!r}")
    if not mod.get("sources"):
        err(where, "module without sources")
    for src in mod.get("sources", []):
        check_source(where, base, src)
    opts = " ".join(mod.get("config-opts", []))
    if "werror=true" in opts or "-Werror" in opts:
        err(where, "werror in a flatpak build")
    if mod.get("buildsystem") == "meson" and "-Dwerror=false" not in opts:
        err(where, "ARTS turns werror on by default: pass -Dwerror=false")
    for sub in mod.get("modules", []):
        check_module(where, base, sub)


def check_manifest(path):
    base = os.path.dirname(path)
    try:
        with open(path) as f:
            m = json.load(f)
    except ValueError as e:
        err(path, f"not JSON: {e}")
        return
    for k in m:
        if k not in TOP_KEYS:
            err(path, f"unknown key {k!r}")
    for k in ("runtime", "runtime-version", "sdk", "command", "modules"):
        if k not in m:
            err(path, f"missing {k}")
    app_id = m.get("id", m.get("app-id"))
    if not app_id or not re.match(r"^[A-Za-z][\w-]*(\.[A-Za-z][\w-]*){2,}$",
                                  app_id):
        err(path, f"bad or missing id {app_id!r}")
    elif os.path.basename(path) != app_id + ".json":
        err(path, f"file name should be {app_id}.json")
    for mod in m.get("modules", []):
        check_module(path, base, mod)
    fb = shutil.which("flatpak-builder")
    if fb:
        r = subprocess.run([fb, "--show-manifest", path],
                           capture_output=True, text=True)
        if r.returncode != 0 or "WARNING" in r.stdout + r.stderr:
            err(path, f"flatpak-builder --show-manifest: {r.stderr.strip()}")
    else:
        print("flatpak-builder is not installed: --show-manifest skipped")


def check_dir(d):
    manifests = sorted(os.path.join(d, f) for f in os.listdir(d)
                       if f.endswith(".json"))
    if not any(os.path.basename(m) == "org.arts.Dashboard.json"
               for m in manifests):
        err(d, "no org.arts.Dashboard.json")
    for m in manifests:
        check_manifest(m)
        print(f"checked {m}")


GOOD = {
    "id": "org.arts.Dashboard", "runtime": "org.gnome.Platform",
    "runtime-version": "44", "sdk": "org.gnome.Sdk",
    "command": "arts-dashboard",
    "modules": [{"name": "arts", "buildsystem": "meson",
                 "config-opts": ["-Dwerror=false"],
                 "sources": [{"type": "dir", "path": "."}]}],
}


def self_test():
    """Each breakage must be reported; the good manifest must pass."""
    import copy
    cases = {
        "good": lambda m: None,
        "unpinned archive": lambda m: m["modules"][0]["sources"].append(
            {"type": "archive", "url": "https://example.org/x.tar.gz"}),
        "missing local dir": lambda m: m["modules"][0]["sources"].append(
            {"type": "dir", "path": "no/such/dir"}),
        "werror": lambda m: m["modules"][0]["config-opts"].__setitem__(
            0, "-Dwerror=true"),
        "unknown key": lambda m: m.__setitem__("finish-argz", []),
        "no runtime": lambda m: m.pop("runtime"),
        "git by branch": lambda m: m["modules"][0]["sources"].append(
            {"type": "git", "url": "https://example.org/x.git",
             "branch": "main"}),
    }
    failed = False
    for name, breakage in cases.items():
        errors.clear()
        m = copy.deepcopy(GOOD)
        breakage(m)
        with tempfile.TemporaryDirectory() as d:
            with open(os.path.join(d, "org.arts.Dashboard.json"), "w") as f:
                json.dump(m, f)
            check_dir(d)
        caught = bool(errors)
        ok = caught == (name != "good")
        print(f"{'ok' if ok else 'FAIL'}: {name}: {errors or 'passes'}")
        failed |= not ok
    return 1 if failed else 0


def main():
    if sys.argv[1] == "--self-test":
        return self_test()
    check_dir(sys.argv[1])
    for e in errors:
        print("FAIL:", e)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
