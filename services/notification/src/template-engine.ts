// The template engine: Handlebars in strict mode (a variable missing at render time is an error,
// not an empty string), HTML-escaping every {{value}} by default, with only the built-in if,
// unless and each. Templates are checked when saved: they must parse, use only the variables of
// their notification type, and (in HTML) never print unescaped. See docs/adr for why Handlebars.
import Handlebars from 'handlebars';
import {
  TemplateHelperNotAllowedError,
  TemplateSyntaxError,
  UnescapedTemplateOutputError,
  UnknownTemplateVariableError,
} from './errors.js';
import type { VariableSpec } from './notification-types.js';

type Program = hbs.AST.Program;
type Node = hbs.AST.Node;
type PathExpression = hbs.AST.PathExpression;

/** An isolated Handlebars environment: no helper or partial registered elsewhere can leak in. */
const engine = Handlebars.create();
const ALLOWED_BLOCKS = new Set(['if', 'unless', 'each']);

/** The names visible at one nesting level, and whether it is an {{#each}} body (which has @index…). */
interface Scope {
  names: Set<string>;
  inEach: boolean;
}

const EACH_DATA = new Set(['index', 'first', 'last', 'key']);

function positionOf(error: unknown): { line: number; column: number } | undefined {
  const { lineNumber, column } = error as { lineNumber?: number; column?: number };
  if (typeof lineNumber === 'number') return { line: lineNumber, column: (column ?? 0) + 1 };
  const match = /on line (\d+)/.exec((error as Error).message ?? '');
  return match ? { line: Number(match[1]), column: 1 } : undefined;
}

function parse(field: string, source: string): Program {
  try {
    return engine.parse(source);
  } catch (error) {
    const message = ((error as Error).message ?? 'unreadable').split('\n');
    const detail = message.at(-1)?.trim() || message[0]!;
    throw new TemplateSyntaxError(field, detail, positionOf(error));
  }
}

function checkPath(field: string, path: PathExpression, scopes: Scope[], allowed: string[]): void {
  if (path.data) {
    const scope = scopes[scopes.length - 1 - path.depth];
    if (scope?.inEach && EACH_DATA.has(path.parts[0] ?? '')) return;
    throw new UnknownTemplateVariableError(field, path.original, allowed);
  }
  const scope = scopes[scopes.length - 1 - path.depth];
  const [head, ...rest] = path.parts;
  if (head === undefined) {
    // {{this}}: the current item of an {{#each}} over plain values.
    if (scope?.inEach) return;
    throw new UnknownTemplateVariableError(field, path.original, allowed);
  }
  if (!scope?.names.has(head) || rest.length > 0) {
    throw new UnknownTemplateVariableError(field, path.original, allowed);
  }
}

function checkExpression(field: string, node: Node, scopes: Scope[], allowed: string[]): void {
  if (node.type === 'PathExpression') {
    checkPath(field, node as PathExpression, scopes, allowed);
  } else if (node.type === 'SubExpression') {
    throw new TemplateHelperNotAllowedError(field, (node as hbs.AST.SubExpression).path.original);
  }
  // String, number, boolean, null and undefined literals are harmless.
}

function checkProgram(
  field: string,
  program: Program | undefined,
  scopes: Scope[],
  variables: Record<string, VariableSpec>,
  html: boolean,
): void {
  if (!program) return;
  const allowed = Object.keys(variables);
  for (const statement of program.body) {
    switch (statement.type) {
      case 'ContentStatement':
      case 'CommentStatement':
        break;
      case 'MustacheStatement': {
        const mustache = statement as hbs.AST.MustacheStatement;
        if (mustache.path.type !== 'PathExpression') break; // {{"literal"}}
        const path = mustache.path as PathExpression;
        if (mustache.params.length > 0 || (mustache.hash?.pairs?.length ?? 0) > 0) {
          throw new TemplateHelperNotAllowedError(field, path.original);
        }
        checkPath(field, path, scopes, allowed);
        if (html && !mustache.escaped) throw new UnescapedTemplateOutputError(field, path.original);
        break;
      }
      case 'BlockStatement': {
        const block = statement as hbs.AST.BlockStatement;
        const helper = block.path.original;
        if (
          !ALLOWED_BLOCKS.has(helper) ||
          block.params.length !== 1 ||
          (block.hash?.pairs?.length ?? 0) > 0
        ) {
          throw new TemplateHelperNotAllowedError(field, helper);
        }
        const subject = block.params[0]!;
        checkExpression(field, subject, scopes, allowed);
        if (helper === 'each') {
          const spec =
            subject.type === 'PathExpression' && (subject as PathExpression).depth === 0
              ? variables[(subject as PathExpression).parts[0] ?? '']
              : undefined;
          // Only lists have item fields; {{#each}} over anything else would show nothing useful.
          if (!spec || typeof spec === 'string') {
            throw new UnknownTemplateVariableError(
              field,
              `#each ${(subject as PathExpression).original ?? ''}`.trim(),
              allowed.filter((name) => typeof variables[name] !== 'string'),
            );
          }
          const item: Scope = { names: new Set(Object.keys(spec.item)), inEach: true };
          checkProgram(field, block.program, [...scopes, item], spec.item, html);
        } else {
          checkProgram(field, block.program, scopes, variables, html);
        }
        checkProgram(field, block.inverse, scopes, variables, html);
        break;
      }
      default:
        // Partials and decorators would pull in text the checker cannot see.
        throw new TemplateHelperNotAllowedError(
          field,
          statement.type.replace(/Statement$/, '').toLowerCase(),
        );
    }
  }
}

/**
 * Checks a template against the variables of its notification type; throws a domain error
 * naming the field and the offending variable or helper.
 */
export function checkTemplate(
  field: string,
  source: string,
  variables: Record<string, VariableSpec>,
  options: { html: boolean },
): void {
  const program = parse(field, source);
  checkProgram(
    field,
    program,
    [{ names: new Set(Object.keys(variables)), inEach: false }],
    variables,
    options.html,
  );
}

// Rendering lives apart (the sender pool's worker threads load it without the checks' errors).
export { renderTemplate } from './template-rendering.js';
