// Which errors the CLI's follow asks again through (client/connection.ts temporalUnreachable): an unreachable
// server, not an answer.
import { ServiceError } from '@temporalio/client';
import { temporalUnreachable } from '../../client/connection';

const grpcError = (code: number) => Object.assign(new Error(`${code} grpc`), { code, details: 'grpc', metadata: {} });

test.each([
  ['UNAVAILABLE, as the client wraps it', new ServiceError('Failed to get Workflow execution history', { cause: grpcError(14) }), true],
  ['DEADLINE_EXCEEDED, as the client wraps it', new ServiceError('Failed to query Workflow', { cause: grpcError(4) }), true],
  ['UNAVAILABLE, bare', grpcError(14), true],
  ['NOT_FOUND: the workflow is unknown', new ServiceError('Failed to get Workflow execution history', { cause: grpcError(5) }), false],
  ['PERMISSION_DENIED', grpcError(7), false],
  ['a plain error (a failed workflow, say)', new Error('Workflow execution failed'), false],
  ['not an error', 'UNAVAILABLE', false],
])('%s', (_what, error, expected) => {
  expect(temporalUnreachable(error)).toBe(expected);
});
