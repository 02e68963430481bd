// The CLI's exit codes follow argocd's: which error exits with which code (client/exit-codes.ts).
import { ServiceError } from '@temporalio/client';
import { CommanderError } from 'commander';
import { KubeApiError } from '../../../activities/cluster/kube-client';
import { CliError, exitCodeFor } from '../../../client/exit-codes';

const grpcError = (code: number) => Object.assign(new Error(`${code} grpc`), { code, details: 'grpc', metadata: {} });
const systemError = (code: string, name = 'Error') => Object.assign(new Error(`connect ${code} 127.0.0.1:6443`), { code, name });
const fetchError = () => Object.assign(new Error('request to https://127.0.0.1:1/api failed, reason: connect ECONNREFUSED'), { name: 'FetchError', type: 'system', code: 'ECONNREFUSED', errno: 'ECONNREFUSED' });

test.each([
  ['--help (commander)', 0, new CommanderError(0, 'commander.helpDisplayed', '(outputHelp)')],
  ['an unknown option (commander)', 2, new CommanderError(1, 'commander.unknownOption', "error: unknown option '--bogus'")],
  ['a missing argument (commander)', 2, new CommanderError(1, 'commander.missingArgument', "error: missing required argument 'name'")],
  ['a value outside the choices (commander)', 2, new CommanderError(1, 'commander.invalidArgument', 'error: option ... is invalid')],
  ['a command with no subcommand (commander shows the help)', 2, new CommanderError(1, 'commander.help', '(outputHelp)')],
  ['a request refused as asked (CliError)', 2, new CliError('sync refused: an operation is in progress')],
  ['a failed sync', 1, new CliError('sync of web Failed: Job/migrate failed', undefined, 1)],
  ['a timeout', 20, new CliError('timed out after 5s', undefined, 20)],
  ['Temporal unreachable, as the client wraps it', 20, new ServiceError('Failed to start Workflow', { cause: grpcError(14) })],
  ['Temporal past its deadline', 20, grpcError(4)],
  ['a refusal wrapping an unreachable Temporal', 20, new CliError('sync refused: 14 UNAVAILABLE', undefined, 2, { cause: new ServiceError('x', { cause: grpcError(14) }) })],
  ['Temporal answering an error (workflow not found)', 20, new ServiceError('Workflow not found', { cause: grpcError(5) })],
  ['the API server unreachable (node-fetch)', 20, fetchError()],
  ['the API server unknown by name', 20, systemError('ENOTFOUND')],
  ['a connection the API server cut', 20, systemError('ECONNRESET')],
  ['the API server answering 403', 20, new KubeApiError(403, 'Forbidden', 'applications.sluice.dev is forbidden')],
  ['the API server answering 500', 20, new KubeApiError(500, 'InternalError', 'etcdserver: request timed out')],
  ['a file named on the command line that is not there', 2, Object.assign(new Error("ENOENT: no such file or directory, open 'app.yaml'"), { code: 'ENOENT', syscall: 'open' })],
  ['anything unexpected (argocd\'s generic code)', 20, new TypeError("Cannot read properties of undefined (reading 'status')")],
])('%s exits %i', (_what, code, error) => {
  expect(exitCodeFor(error)).toBe(code);
});
