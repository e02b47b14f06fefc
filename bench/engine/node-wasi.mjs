// Runs a WASI command under Node's node:wasi: node node-wasi.mjs PROG.wasm [ARGS...]
// (env ARTS_NODE_DIR=HOST::GUEST preopens one directory). Exit status is the program's.
import { readFile } from 'node:fs/promises';
import { WASI } from 'node:wasi';
import { argv, env, exit } from 'node:process';

const preopens = {};
if (env.ARTS_NODE_DIR) {
  const [host, guest] = env.ARTS_NODE_DIR.split('::');
  preopens[guest] = host;
}
const wasi = new WASI({ version: 'preview1', args: argv.slice(2), env: {}, preopens,
                        returnOnExit: true });
const mod = await WebAssembly.compile(await readFile(argv[2]));
const inst = await WebAssembly.instantiate(mod, wasi.getImportObject());
exit(wasi.start(inst));
