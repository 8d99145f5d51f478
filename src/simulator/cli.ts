// Runs the provider simulator as its own process:
//   node dist/src/simulator/cli.js --port 9100 [--host H] [--latency-ms N] [--first-token-ms N]
//     [--chunk-delay-ms N] [--chunks N] [--tail-ratio R --tail-ms N] [--seed N] [--reply TEXT] [--keys k1,k2]
//   node dist/src/simulator/cli.js --help
// Prints one line `simulator listening on http://127.0.0.1:PORT` and runs until SIGTERM or SIGINT.
import { HELP, USAGE, parseCliOptions, wantsHelp } from './cli-options.js';
import { startSimulator, type SimulatorOptions } from './simulator.js';

async function main(): Promise<void> {
  if (wantsHelp(process.argv.slice(2))) {
    process.stdout.write(HELP);
    return;
  }
  let options: SimulatorOptions;
  try {
    options = parseCliOptions(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n${USAGE}\n`);
    process.exitCode = 2;
    return;
  }
  let simulator;
  try {
    simulator = await startSimulator(options);
  } catch (error) {
    process.stderr.write(`simulator could not start: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
    return;
  }
  process.stdout.write(`simulator listening on ${simulator.url}\n`);
  const started = simulator;
  const stop = (): void => {
    started.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

await main();
