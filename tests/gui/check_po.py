"""Checks the dashboard's translations (suite 'data'): every language in
po/LINGUAS has its .po file, each compiles with `msgfmt --check`, declares
charset=UTF-8, and translates every message: no untranslated and no fuzzy
entries, and no message of the sources (po/POTFILES.in, extracted again
with xgettext) missing from it.

    check_po.py PO_DIR
"""
import os
import re
import subprocess
import sys
import tempfile

KEYWORDS = ["--keyword=_", "--keyword=N_", "--keyword=C_:1c,2",
            "--keyword=NC_:1c,2", "--keyword=g_dngettext:2,3"]


def fail(msg):
    print(f"FAIL: {msg}")
    sys.exit(1)


def msgids(po_text):
    """The (context, msgid) pairs of a .po/.pot file, header excluded."""
    ids = set()
    ctx, cur, field = None, None, None
    entries = []
    for line in po_text.splitlines() + [""]:
        if line.startswith("msgctxt "):
            ctx, field = line[8:].strip('"'), "ctx"
        elif line.startswith("msgid "):
            cur, field = line[6:], "id"
        elif line.startswith('"') and field == "id":
            cur += line
        elif line.startswith('"') and field == "ctx":
            ctx += line.strip('"')
        elif line.startswith("msgid_plural") or line.startswith("msgstr"):
            if field == "id":
                entries.append((ctx, cur))
                ctx, field = None, None
            field = None
    for ctx, raw in entries:
        text = "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', raw))
        if text:
            ids.add((ctx, text))
    return ids


def main():
    podir = sys.argv[1]
    src = os.path.dirname(podir)
    with open(os.path.join(podir, "LINGUAS")) as f:
        langs = [l.strip() for l in f if l.strip() and not l.startswith("#")]
    if not langs:
        fail("LINGUAS lists no language")
    with tempfile.TemporaryDirectory() as tmp:
        pot = os.path.join(tmp, "x.pot")
        files = os.path.join(tmp, "files")
        with open(os.path.join(podir, "POTFILES.in")) as f, \
                open(files, "w") as out:
            for l in f:
                l = l.strip()
                if l and not l.startswith("#"):
                    if not os.path.exists(os.path.join(src, l)):
                        fail(f"POTFILES.in lists {l}, which does not exist")
                    out.write(l + "\n")
        r = subprocess.run(["xgettext", "--from-code=UTF-8", "--add-comments",
                            "--files-from", files, "--directory", src,
                            "-o", pot] + KEYWORDS,
                           capture_output=True, text=True)
        if r.returncode != 0:
            fail(f"xgettext: {r.stderr}")
        with open(pot, encoding="utf-8") as f:
            wanted = msgids(f.read())
        if len(wanted) < 50:
            fail(f"only {len(wanted)} messages extracted: POTFILES.in incomplete?")
        for lang in langs:
            po = os.path.join(podir, lang + ".po")
            if not os.path.exists(po):
                fail(f"{lang} is in LINGUAS but {po} is missing")
            with open(po, encoding="utf-8") as f:
                text = f.read()
            if "charset=UTF-8" not in text:
                fail(f"{po}: not charset=UTF-8")
            r = subprocess.run(["msgfmt", "--check", "--statistics", "-o",
                                os.devnull, po], capture_output=True, text=True)
            if r.returncode != 0:
                fail(f"msgfmt --check {po}: {r.stderr}")
            stats = r.stderr.strip()
            if "untranslated" in stats or "fuzzy" in stats:
                fail(f"{po}: {stats}")
            missing = wanted - msgids(text)
            if missing:
                fail(f"{po} lacks {len(missing)} messages, e.g. "
                     f"{sorted(missing, key=str)[:5]}")
            print(f"{lang}: {stats}; all {len(wanted)} source messages present")
    return 0


if __name__ == "__main__":
    sys.exit(main())
