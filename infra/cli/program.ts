import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { Id } from '../../shared/events/catalogue';
import { type DeadLetterKind, deadLetterKinds } from '../constructs/dead-letter-queue';
import { deadLetterCommands, keyCommands, printReport, requestMatchingRun } from './operations';
import { type OrganisationFlags, organisationCommands } from './organisations';
import { type Output, terminal } from './output';
import {
  DEFAULT_LOCAL_API,
  explainAwsError,
  resolveTarget,
  type Target,
  type TargetOptions,
  UsageError,
} from './target';

/**
 * `npm run kindred -- <command>`: the operator's tools, on the local runtime or on a deployed stage. The
 * commands use the platform's own stores and outbox, so what they write is what the platform itself writes.
 */

const id = (what: string) => (value: string) => {
  const parsed = Id.safeParse(value);
  if (!parsed.success)
    throw new InvalidArgumentError(`${what} ids are lower-case letters, digits and dashes.`);
  return parsed.data;
};

const collect = (value: string, previous: string[] = []) => [...previous, value];

const organisationFlags = (command: Command, withId: boolean) => {
  if (withId) command.option('--id <orgId>', 'the organisation id', id('Organisation'));
  return command
    .option('--name <name>', 'the name people see')
    .addOption(
      new Option('--kind <kind>', 'the kind of organisation').choices(['nonprofit', 'university', 'company']),
    )
    .option(
      '--consent-version <version>',
      'the consent text\u2019s version, named in each participant\u2019s record',
    )
    .option('--consent-text <text>', 'what people agree to on the signup form')
    .option('--program <id=Name>', 'a mentoring program (repeat for more; the first is the default)', collect)
    .option('--default-program <programId>', 'the program a signup joins when it names none')
    .option(
      '--file <org.json>',
      'the organisation as JSON (peer groups and every other setting); flags override it',
    );
};

/** The command tree; `run` gives each action its target, resolved from the global options. */
const buildProgram = (output: Output, run: (action: (target: Target) => Promise<void>) => Promise<void>) => {
  const program = new Command('kindred')
    .description('Operate kindred: organisations, their API keys, matching runs, dead letters and reports.')
    .option(
      '--local <api-url>',
      `the local runtime's API (npm start; default ${DEFAULT_LOCAL_API} or $KINDRED_LOCAL_API)`,
    )
    .option('--region <region>', 'the AWS region of a deployed stage (with --stage)')
    .option(
      '--stage <stage>',
      'the deployed stage, e.g. prod (with --region); AWS credentials come from your profile',
    )
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ writeOut: output.out, writeErr: output.err });

  const orgs = program.command('orgs').description('Create, list, show and update organisations.');
  organisationFlags(
    orgs
      .command('create')
      .description('Create an organisation from --file or flags; fails if its id is taken.')
      .addHelpText(
        'after',
        '\nExamples:\n  kindred orgs create --file org.json\n  kindred orgs create --id harbour --kind nonprofit --name "Harbour Lights" \\\n    --consent-version v1 --consent-text "I agree…" --program peer-mentoring="Peer mentoring"',
      ),
    true,
  ).action((flags: OrganisationFlags & { file?: string }) =>
    run((target) => organisationCommands(target, output).create(flags)),
  );
  orgs
    .command('list')
    .description('List every organisation as a table.')
    .option('--json', 'print JSON instead of a table')
    .action((options: { json?: boolean }) =>
      run((target) => organisationCommands(target, output).list(options)),
    );
  orgs
    .command('show')
    .description('Print an organisation as JSON (a starting point for `orgs update --file`).')
    .argument('<orgId>', 'the organisation', id('Organisation'))
    .action((orgId: string) => run((target) => organisationCommands(target, output).show(orgId)));
  organisationFlags(
    orgs
      .command('update')
      .description(
        'Change an organisation: --file replaces it whole, flags change single fields. Bumps its revision.',
      )
      .argument('<orgId>', 'the organisation', id('Organisation')),
    false,
  ).action((orgId: string, flags: OrganisationFlags & { file?: string }) =>
    run((target) => organisationCommands(target, output).update(orgId, flags)),
  );

  const keys = program
    .command('keys')
    .description('Issue, list and revoke an organisation\u2019s admin API keys.');
  keys
    .command('issue')
    .description('Issue an admin API key for one organisation; it is printed once and stored hashed.')
    .requiredOption('--org <orgId>', 'the organisation the key manages', id('Organisation'))
    .requiredOption('--label <label>', 'what the key is for, e.g. "website team"')
    .action((options: { org: string; label: string }) =>
      run((target) => keyCommands(target, output).issue(options.org, options.label)),
    );
  keys
    .command('list')
    .description('List an organisation\u2019s keys (never their secrets).')
    .requiredOption('--org <orgId>', 'the organisation', id('Organisation'))
    .action((options: { org: string }) => run((target) => keyCommands(target, output).list(options.org)));
  keys
    .command('revoke')
    .description('Revoke a key: it is refused from then on.')
    .requiredOption('--org <orgId>', 'the organisation', id('Organisation'))
    .requiredOption('--key <keyId>', 'the key id `keys list` shows')
    .action((options: { org: string; key: string }) =>
      run((target) => keyCommands(target, output).revoke(options.org, options.key)),
    );

  program
    .command('matching')
    .description('Batch matching.')
    .command('run')
    .description(
      'Start a matching run for a mentoring program (MatchingRunRequested, as a coordinator would).',
    )
    .requiredOption('--org <orgId>', 'the organisation', id('Organisation'))
    .requiredOption('--program <programId>', 'the mentoring program', id('Program'))
    .action((options: { org: string; program: string }) =>
      run((target) => requestMatchingRun(target, output, options.org, options.program)),
    );

  const deadLetters = program
    .command('dead-letters')
    .description(
      'Events whose deliveries failed every retry: the local runtime\u2019s, or a deployed stage\u2019s SQS dead-letter queues.',
    );
  const queueOption = () =>
    new Option(
      '--queue <queue>',
      'a deployed stage\u2019s queue only: target (rule deliveries), async (function invocations) or stream (outbox relay)',
    ).choices(deadLetterKinds);
  deadLetters
    .command('list')
    .description(
      'List the dead-lettered deliveries (on a deployed stage: up to 100 a queue, each hidden from other readers for 10 s).',
    )
    .addOption(queueOption())
    .action((options: { queue?: DeadLetterKind }) =>
      run((target) => deadLetterCommands(target, output).list(options.queue && [options.queue])),
    );
  deadLetters
    .command('replay')
    .description(
      'Deliver every dead-lettered event again, from a fresh retry count, to the function that failed it (same event id); on a deployed stage a message is deleted once its redelivery is accepted.',
    )
    .addOption(queueOption())
    .action((options: { queue?: DeadLetterKind }) =>
      run((target) => deadLetterCommands(target, output).replay(options.queue && [options.queue])),
    );

  program
    .command('report')
    .description(
      'Print a mentoring program\u2019s report: funnel, lasting pairs, ratings, closures, weekly series.',
    )
    .requiredOption('--org <orgId>', 'the organisation', id('Organisation'))
    .requiredOption('--program <programId>', 'the mentoring program', id('Program'))
    .option('--json', 'print JSON instead of a table')
    .action((options: { org: string; program: string; json?: boolean }) =>
      run((target) => printReport(target, output, options.org, options.program, options)),
    );
  return program;
};

/** Runs one command line (the arguments after `kindred`); resolves to the process's exit code. */
export const runCli = async (args: string[], output: Output = terminal): Promise<number> => {
  let program: Command | undefined;
  const run = async (action: (target: Target) => Promise<void>) => {
    const target = await resolveTarget(program?.opts<TargetOptions>() ?? {});
    try {
      await action(target);
    } catch (error) {
      const explained = explainAwsError(error, target);
      throw explained ? new UsageError(explained) : error;
    }
  };
  program = buildProgram(output, run);
  try {
    await program.parseAsync(args, { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    if (error instanceof UsageError) {
      output.err(`kindred: ${error.message}\n`);
      return 1;
    }
    output.err(`kindred: ${(error as Error).name}: ${(error as Error).message}\n`);
    return 1;
  }
};
