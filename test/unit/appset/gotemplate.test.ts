// Expected outputs are what Go's text/template with Sprig prints for the same template and JSON data
// (numbers in JSON parameters are Go float64s; literals in the template are ints).
import { GoTemplateError, normalize, renderGoTemplate } from '../../../domain/appset/gotemplate';

const data = {
  env: 'prod', name: 'Guest Book', replicas: 3, big: 1234567, ratio: 0.5, enabled: true, empty: '', nothing: null,
  labels: { team: 'web', 'app.kubernetes.io/name': 'guestbook' }, list: ['a', 'b', 'c'], path: { basename: 'my_App', segments: ['apps', 'my_App'] },
};
const render = (template: string, options?: string[]) => renderGoTemplate(template, data, { options });

describe('fields, variables, literals and printing', () => {
  test.each([
    ['{{ .env }}', 'prod'],
    ['{{.env}}-{{ .path.basename }}', 'prod-my_App'],
    ['{{ .replicas }} {{ .big }} {{ .ratio }} {{ 3 }} {{ 1.5 }} {{ -2 }}', '3 1.234567e+06 0.5 3 1.5 -2'],
    ['{{ .enabled }} {{ true }} {{ "a\\tb" }} {{ `raw\\n` }} {{ \'a\' }}', 'true true a\tb raw\\n 97'],
    ['{{ .labels }}', 'map[app.kubernetes.io/name:guestbook team:web]'],
    ['{{ .list }}', '[a b c]'],
    ['{{ . | len }}', '11'],
    ['{{ $ := . }}{{ $.env }}', 'prod'],
    ['{{ $x := .env }}{{ $x }}{{ $x = "dev" }}{{ $x }}', 'proddev'],
    ['{{ $p := .path }}{{ $p.basename }}', 'my_App'],
    ['{{ (index .path.segments 1) }}{{ (.path).basename }}', 'my_Appmy_App'],
    ['a  {{- .env -}}  b', 'aprodb'],
    ['a {{- /* note */ -}} b {{/* gone */}}c', 'ab c'],
    ['x{{- 3}}', 'x3'],
    ['{{ .nothing }}', '<no value>'],
  ])('%s → %j', (template, expected) => expect(render(template)).toBe(expected));
});

describe('control structures', () => {
  test.each([
    ['{{ if eq .env "prod" }}p{{ else if eq .env "dev" }}d{{ else }}o{{ end }}', 'p'],
    ['{{ if eq .env "dev" }}d{{ else if eq .env "prod" }}p{{ end }}', 'p'],
    ['{{ if .empty }}x{{ else }}empty{{ end }}', 'empty'],
    ['{{ if .missing }}x{{ else }}absent{{ end }}', 'absent'],
    ['{{ if and .env (not .empty) }}ok{{ end }}', 'ok'],
    ['{{ range .list }}[{{ . }}]{{ end }}', '[a][b][c]'],
    ['{{ range $i, $v := .list }}{{ $i }}={{ $v }} {{ end }}', '0=a 1=b 2=c '],
    ['{{ range $k, $v := .labels }}{{ $k }}={{ $v }};{{ end }}', 'app.kubernetes.io/name=guestbook;team=web;'],
    ['{{ range .missing }}x{{ else }}none{{ end }}', 'none'],
    ['{{ range .list }}{{ if eq . "b" }}{{ break }}{{ end }}{{ . }}{{ end }}', 'a'],
    ['{{ range .list }}{{ if eq . "b" }}{{ continue }}{{ end }}{{ . }}{{ end }}', 'ac'],
    ['{{ with .path }}{{ .basename }}{{ end }}', 'my_App'],
    ['{{ with .missing }}x{{ else }}no{{ end }}', 'no'],
    ['{{ with $x := .env }}{{ $x }}{{ end }}', 'prod'],
  ])('%s → %j', (template, expected) => expect(render(template)).toBe(expected));
});

describe('Go builtins', () => {
  test.each([
    ['{{ eq .env "prod" }} {{ eq .env "a" "prod" }} {{ ne .env "prod" }}', 'true true false'],
    ['{{ lt 1 2 }} {{ le 2 2 }} {{ gt "b" "a" }} {{ ge .replicas 3.0 }}', 'true true true true'],
    ['{{ eq .missing "x" }}', 'false'],
    ['{{ and 1 0 }} {{ and 1 2 }} {{ or 0 "" }} {{ or 0 "z" }} {{ not .empty }}', '0 2  z true'],
    ['{{ len .env }} {{ len .list }} {{ len .labels }} {{ len "é" }}', '4 3 2 2'],
    ['{{ index .list 1 }} {{ index .labels "app.kubernetes.io/name" }} {{ index .labels "nope" }}', 'b guestbook <no value>'],
    ['{{ index .path "segments" 0 }}', 'apps'],
    ['{{ print "a" "b" 1 2 }} {{ println "x" 1 }}', 'ab1 2 x 1\n'],
    ['{{ printf "%s/%d/%v/%q/%t/%5s|%-4s|%03d" .env 7 .replicas .env true "r" "l" 5 }}', 'prod/7/3/"prod"/true/    r|l   |005'],
    ['{{ printf "%d %s" .replicas 3 }}', '%!d(float64=3) %!s(int=3)'],
    ['{{ printf "%s" }} {{ printf "x" 1 }}', '%!s(MISSING) x%!(EXTRA int=1)'],
    ['{{ printf "%v" .missing }}', '<nil>'],
  ])('%s → %j', (template, expected) => expect(render(template)).toBe(expected));
});

describe('Sprig and Argo CD functions', () => {
  test.each([
    ['{{ default "dev" .missing }} {{ default "dev" .empty }} {{ default "dev" .env }}', 'dev dev prod'],
    ['{{ .name | lower }} {{ upper .env }}', 'guest book PROD'],
    ['{{ replace " " "-" .name }}', 'Guest-Book'],
    ['{{ trunc 3 .env }} {{ trunc -2 .env }} {{ trunc 10 .env }}', 'pro od prod'],
    ['{{ toJson .labels }}', '{"app.kubernetes.io/name":"guestbook","team":"web"}'],
    ['{{ toJson "<a&b>" }}', '"\\u003ca\\u0026b\\u003e"'],
    ['{{ toYaml .path }}', 'basename: my_App\nsegments:\n- apps\n- my_App'],
    ['{{ (fromYaml "a: 1\\nb: [x]").b }}', '[x]'],
    ['{{ quote .env }} {{ quote .missing }}|{{ .env | quote }}', '"prod" |"prod"'],
    ['{{ trim "  x  " }} {{ trimPrefix "v" "v1.2" }} {{ trimSuffix ".yaml" "a.yaml" }}', 'x 1.2 a'],
    ['{{ hasPrefix "pr" .env }} {{ hasSuffix "od" .env }} {{ contains "ro" .env }}', 'true true true'],
    ['{{ join "," .list }} {{ join "-" (list 1 "a" nil) }}', 'a,b,c 1-a'],
    ['{{ (split "/" "a/b")._1 }} {{ splitList "/" "a/b" }}', 'b [a b]'],
    ['{{ list 1 2 | toJson }} {{ dict "k" "v" "n" 1 | toJson }}', '[1,2] {"k":"v","n":1}'],
    ['{{ empty .empty }} {{ empty .list }} {{ empty .missing }}', 'true false true'],
    ['{{ coalesce .missing .empty "c" }}', 'c'],
    ['{{ ternary "yes" "no" .enabled }} {{ false | ternary "yes" "no" }}', 'yes no'],
    ['{{ b64enc "hello" }} {{ b64dec "aGVsbG8=" }} {{ b64dec "!!" }}', 'aGVsbG8= hello illegal base64 data at input byte 0'],
    ['{{ sha256sum "abc" }}', 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
    ['{{ dig "labels" "team" "none" . }} {{ dig "labels" "x" "none" . }}', 'web none'],
    ['{{ cat "a" .env 1 }} {{ base "a/b/c" }}', 'a prod 1 c'],
    ['{{ normalize .path.basename }}', 'my-app'],
  ])('%s → %j', (template, expected) => expect(render(template)).toBe(expected));
});

// Argo CD's SanitizeName rules, as its docs state them for `normalize` (GoTemplate.md): at most 253 characters,
// only lowercase alphanumerics, '-' or '.', starting and ending with an alphanumeric.
test.each([
  ['Guest_Book', 'guest-book'],
  ['feature/JIRA-123_fix', 'feature-jira-123-fix'],
  ['my.app', 'my.app'],
  ['--.App.--', 'app'],
  ['héllo wörld', 'h-llo-w-rld'],
  ['a'.repeat(300), 'a'.repeat(253)],
  [`${'b'.repeat(252)}-c`, 'b'.repeat(252)],
])('normalize(%j) → %j', (input, expected) => expect(normalize(input)).toBe(expected));

describe('missing keys', () => {
  test.each([
    [undefined, '{{ .envv }}', '<no value>'],
    [['missingkey=default'], '{{ .envv }}', '<no value>'],
    [['missingkey=zero'], '{{ .envv }}', '<no value>'],
    [undefined, 'x-{{ .a.b.c }}', 'x-<no value>'],
    [['missingkey=error'], '{{ index . "envv" }}', '<no value>'],
    [['missingkey=error'], '{{ dig "envv" "d" . }}', 'd'],
  ])('options %j: %s → %j', (options, template, expected) => expect(render(template, options)).toBe(expected));

  test('missingkey=error names the key, the position and the node, as Go does', () => {
    expect(() => render('{{ .envv }}', ['missingkey=error'])).toThrow(new GoTemplateError('template: :1:3: executing "" at <.envv>: map has no entry for key "envv"'));
    expect(() => render('a\n  {{.path.nope}}', ['missingkey=error'])).toThrow('template: :2:4: executing "" at <.path.nope>: map has no entry for key "nope"');
  });
});

describe('errors', () => {
  test.each([
    ['unknown function', '{{ envv .x }}', 'template: :1: function "envv" not defined'],
    ['env is removed, as in Argo CD', '{{ env "HOME" }}', 'template: :1: function "env" not defined'],
    ['unterminated action', 'a {{ .env ', 'template: :1: unclosed action'],
    ['unterminated if', '{{ if .env }}x', 'template: :1: unexpected EOF'],
    ['stray end', 'x{{ end }}', 'template: :1: unexpected {{end}}'],
    ['undefined variable', '{{ $y }}', 'template: :1: undefined variable "$y"'],
    ['bad syntax in an action', '{{ .env ) }}', "template: :1: unexpected right paren U+0029 ')'"],
    ['an unclosed paren', '{{ (.env }}', 'template: :1: unclosed left paren'],
    ['a field name Go cannot lex', '{{ .my-label }}', "template: :1: bad character U+002D '-'"],
    ['an empty action', '{{ }}', 'template: :1: missing value for command'],
    ['a literal after a pipe', '{{ .env | "x" }}', 'template: :1: non executable command in pipeline stage 2'],
    ['a pipe with nothing after it', '{{ .env | }}', 'template: :1: missing command after |'],
    ['wrong argument type', '{{ lower .replicas }}', 'template: :1:9: executing "" at <.replicas>: wrong type for value; expected string; got float64'],
    ['a missing value where a string is needed', '{{ upper .missing }}', 'template: :1:9: executing "" at <.missing>: invalid value; expected string'],
    ['float against int', '{{ eq .replicas 3 }}', 'template: :1:3: executing "" at <eq .replicas 3>: error calling eq: incompatible types for comparison'],
    ['wrong arity', '{{ lower "a" "b" }}', 'template: :1:3: executing "" at <lower>: wrong number of args for lower: want 1 got 2'],
    ['index out of range', '{{ index .list 5 }}', 'template: :1:3: executing "" at <index .list 5>: error calling index: index out of range: 5'],
    ['field of a string', '{{ .env.x }}', 'template: :1:3: executing "" at <.env.x>: can\'t evaluate field x in type string'],
    ['field of null', '{{ .nothing.x }}', 'template: :1:3: executing "" at <.nothing.x>: nil pointer evaluating interface {}.x'],
    ['range over a number', '{{ range .replicas }}{{ end }}', 'template: :1:9: executing "" at <.replicas>: range can\'t iterate over 3'],
    ['unknown option', '{{ .env }}', 'unrecognized option: missingkey=maybe', ['missingkey=maybe']],
    ['long context is cut at 20 characters', '{{ index (list "aaaaaaaaaa" "b") 7 }}', 'template: :1:3: executing "" at <index (list "aaaaaaa...>: error calling index: index out of range: 7'],
  ])('%s', (_, template, message, ...options: Array<string[] | undefined>) => {
    expect(() => render(template, options[0])).toThrow(GoTemplateError);
    expect(() => render(template, options[0])).toThrow(message);
  });
});
