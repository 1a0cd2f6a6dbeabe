import '../quiet-sdk-warning';
import { runCli } from './program';

/** `npm run kindred -- <command>`; `--help` on any command explains it. */
process.exitCode = await runCli(process.argv.slice(2));
