// The template checker and renderer on their own: what a saved template may contain, and how
// values come out in HTML and in plain text.
import { describe, expect, it } from 'vitest';
import { retryDelayMs } from '../src/delivery.js';
import { NOTIFICATION_TYPE_DEFINITIONS } from '../src/notification-types.js';
import { checkTemplate, renderTemplate } from '../src/template-engine.js';

const orderVariables = NOTIFICATION_TYPE_DEFINITIONS['order-confirmed'].variables;
const check =
  (source: string, html = false) =>
  () =>
    checkTemplate('body', source, orderVariables, { html });

describe('checking templates', () => {
  it('accepts the type’s variables, list fields inside their loop, @index and ../ to reach out', () => {
    expect(
      check(
        '{{firstName}}: {{#each tickets}}{{@index}} {{label}} {{../orderId}}{{else}}none{{/each}} {{#unless total}}free{{/unless}}',
      ),
    ).not.toThrow();
  });

  it.each([
    ['an unknown variable', '{{secret}}', 'unknown_template_variable'],
    ['a list field outside its loop', '{{label}}', 'unknown_template_variable'],
    ['@index outside a loop', '{{@index}}', 'unknown_template_variable'],
    ['a helper call', '{{uppercase firstName}}', 'template_helper_not_allowed'],
    ['a sub-expression', '{{#if (eq firstName "x")}}y{{/if}}', 'template_helper_not_allowed'],
    ['with', '{{#with tickets}}x{{/with}}', 'template_helper_not_allowed'],
    ['a hash argument', '{{#each tickets key=1}}x{{/each}}', 'template_helper_not_allowed'],
    ['a broken block', '{{#each tickets}}', 'template_syntax_error'],
  ])('refuses %s', (_case, source, code) => {
    expect(check(source)).toThrow(
      expect.objectContaining({ code, extras: expect.objectContaining({ field: 'body' }) }),
    );
  });

  it('refuses unescaped output in HTML but allows it in text', () => {
    expect(check('{{{firstName}}}', true)).toThrow(
      expect.objectContaining({ code: 'template_unescaped_output' }),
    );
    expect(check('{{& firstName}}', true)).toThrow(
      expect.objectContaining({ code: 'template_unescaped_output' }),
    );
    expect(check('{{{firstName}}}', false)).not.toThrow();
  });

  it('reports where a syntax error is', () => {
    expect(check('line one\n{{#if firstName}}\nno end')).toThrow(
      expect.objectContaining({
        code: 'template_syntax_error',
        extras: expect.objectContaining({ line: 3 }),
      }),
    );
  });
});

describe('rendering', () => {
  const view = { firstName: '<script>alert(1)</script> & "co"', tickets: [{ label: 'A&B' }] };

  it('escapes values in HTML and leaves plain text as it is', () => {
    const source = 'Hi {{firstName}} {{#each tickets}}[{{label}}]{{/each}}';
    expect(renderTemplate(source, view, { escape: true })).toBe(
      'Hi &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;co&quot; [A&amp;B]',
    );
    expect(renderTemplate(source, view, { escape: false })).toBe('Hi <script>alert(1)</script> & "co" [A&B]');
  });

  it('fails loudly on a variable missing from the data (strict mode)', () => {
    expect(() => renderTemplate('{{lastName}}', view, { escape: true })).toThrow(/lastName/);
  });
});

describe('retry delays', () => {
  it('double with each attempt up to the cap', () => {
    expect([1, 2, 3, 4, 5, 6].map((attempt) => retryDelayMs(attempt, 30_000, 300_000))).toEqual([
      30_000, 60_000, 120_000, 240_000, 300_000, 300_000,
    ]);
  });
});
