// The search attributes the workflows write: one list, what a namespace lacks of it, the command that registers
// what is missing, and the worker's registration at start against a stand-in for Temporal's operator API.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import { createCommand, missingSearchAttributes, missingSearchAttributesMessage, SEARCH_ATTRIBUTE_LIST, SearchAttributeTypeName } from '../../domain/search-attributes';
import { SA } from '../../workflows/search-attributes';
import { ensureSearchAttributes, StartupError } from '../../worker/search-attributes';

const KEYWORD = temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD;
const TEXT = temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_TEXT;
const where = { address: 'temporal.example:7233', namespace: 'prod' };
const names = SEARCH_ATTRIBUTE_LIST.map((a) => a.name);
const allKeywords = (): Record<string, SearchAttributeTypeName> => Object.fromEntries(names.map((n) => [n, 'Keyword']));

test('the workflows\' keys are the list\'s', () => {
  expect(Object.values(SA).map((key) => [key.name, key.type])).toEqual(SEARCH_ATTRIBUTE_LIST.map((a) => [a.name, a.type.toUpperCase()]));
});

test.each([
  ['none registered', {}, names],
  ['all registered', allKeywords(), []],
  ['some registered, others unrelated', { SluiceApplication: 'Keyword', SluiceKind: 'Keyword', CustomerId: 'Keyword' }, names.filter((n) => n !== 'SluiceApplication' && n !== 'SluiceKind')],
  ['one registered under another type', { ...allKeywords(), SluiceHealth: 'Text' }, ['SluiceHealth']],
] as Array<[string, Record<string, SearchAttributeTypeName>, string[]]>)('missing: %s', (_, registered, expected) => {
  expect(missingSearchAttributes(registered).map((a) => a.name)).toEqual(expected);
});

test('the create command pairs each --name with its --type', () => {
  expect(createCommand([{ name: 'SluiceKind', type: 'Keyword' }, { name: 'SluiceWhen', type: 'Datetime' }], where))
    .toBe('temporal operator search-attribute create --address temporal.example:7233 --namespace prod --name SluiceKind --type Keyword --name SluiceWhen --type Datetime');
});

test('the message is one line: the namespace, the missing attributes, the reason and the command', () => {
  const message = missingSearchAttributesMessage([{ name: 'SluiceKind', type: 'Keyword' }, { name: 'SluiceHealth', type: 'Keyword' }], where, '7 PERMISSION_DENIED: Request unauthorized.');
  expect(message).toBe('Temporal namespace prod needs the search attributes SluiceKind, SluiceHealth, which this worker could not register (7 PERMISSION_DENIED: Request unauthorized.); '
    + 'register them with: temporal operator search-attribute create --address temporal.example:7233 --namespace prod --name SluiceKind --type Keyword --name SluiceHealth --type Keyword');
  expect(message).not.toContain('\n');
});

/** Temporal's operator API as the worker calls it, holding `custom` and refusing what `refuse` says. */
function operator(custom: Record<string, number>, refuse: { list?: Error; add?: Error } = {}) {
  const added: Array<Record<string, number>> = [];
  return {
    added,
    connection: {
      operatorService: {
        listSearchAttributes: async () => {
          if (refuse.list) throw refuse.list;
          return { customAttributes: { ...custom } };
        },
        addSearchAttributes: async ({ searchAttributes }: { searchAttributes: Record<string, number> }) => {
          if (refuse.add) throw refuse.add;
          added.push(searchAttributes);
          Object.assign(custom, searchAttributes);
          return {};
        },
      },
    } as never,
  };
}
const logger = { info: () => undefined };

test('the worker registers only what the namespace lacks, and nothing when it lacks nothing', async () => {
  const temporalServer = operator({ SluiceApplication: KEYWORD, Other: TEXT });
  expect(await ensureSearchAttributes(temporalServer.connection, where, logger)).toEqual(names.filter((n) => n !== 'SluiceApplication'));
  expect(temporalServer.added).toEqual([Object.fromEntries(names.filter((n) => n !== 'SluiceApplication').map((n) => [n, KEYWORD]))]);
  expect(await ensureSearchAttributes(temporalServer.connection, where, logger)).toEqual([]);
  expect(temporalServer.added).toHaveLength(1);
});

test('a refused registration stops the worker with the one line naming what is missing', async () => {
  const refused = operator({ SluiceApplication: KEYWORD }, { add: new Error('7 PERMISSION_DENIED: Request unauthorized.\nmore detail') });
  const error = await ensureSearchAttributes(refused.connection, where, logger).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(StartupError);
  expect((error as Error).message).toBe(missingSearchAttributesMessage(SEARCH_ATTRIBUTE_LIST.slice(1), where, '7 PERMISSION_DENIED: Request unauthorized.'));
});

test('a namespace whose attributes cannot be listed stops the worker too, naming every attribute', async () => {
  const error = await ensureSearchAttributes(operator({}, { list: new Error('7 PERMISSION_DENIED: no') }).connection, where, logger).catch((e: unknown) => e);
  expect((error as Error).message).toBe(missingSearchAttributesMessage(SEARCH_ATTRIBUTE_LIST, where, 'listing them failed: 7 PERMISSION_DENIED: no'));
});

test('scripts/stack.sh registers the same list on the local stack\'s server', () => {
  const stackScript = path.join(__dirname, '../../scripts/stack.sh');
  const r = spawnSync('bash', ['-c', `repo=${JSON.stringify(path.dirname(path.dirname(stackScript)))}; source <(sed -n '/^search_attribute_flags()/,/^}/p' ${JSON.stringify(stackScript)}); search_attribute_flags`], { encoding: 'utf8' });
  expect(r.stderr).toBe('');
  expect(r.stdout.trim().split('\n')).toEqual(SEARCH_ATTRIBUTE_LIST.map((a) => `--search-attribute=${a.name}=${a.type}`));
});
