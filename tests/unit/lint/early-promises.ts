/**
 * Finds promises that are started early and awaited late: a variable holding a promise (or an array
 * or object of promises) with another `await` between its declaration and its first use. If that
 * promise rejects while the function awaits the other thing, nothing handles the rejection: Node
 * reports an unhandled rejection and, by default, ends the process (serverless-offline, a Lambda
 * execution environment). Such promises must be awaited together (Promise.all) or given a handler at
 * once (`deferred(promise)` from lib/deferred.ts, or `.catch(...)`).
 *
 * Uses the TypeScript checker, so it knows which values are promises whatever they are named.
 */
import ts from 'typescript';

export interface EarlyPromise {
  file: string;
  line: number;
  name: string;
  /** Line of the first `await` that runs before the promise is used. */
  awaitLine: number;
}

/** Calls whose result already has a rejection handler attached. */
const HANDLED_CALLS = new Set(['deferred', 'deferredAll', 'catch']);

export function findEarlyPromises(program: ts.Program, fileFilter: (fileName: string) => boolean): EarlyPromise[] {
  const checker = program.getTypeChecker();
  const found: EarlyPromise[] = [];
  for (const source of program.getSourceFiles()) {
    if (source.isDeclarationFile || !fileFilter(source.fileName)) continue;
    const visit = (node: ts.Node): void => {
      if (ts.isVariableDeclaration(node) && node.initializer && !ts.isForOfStatement(node.parent.parent)) {
        const finding = check(node, source, checker);
        if (finding) found.push(finding);
      }
      if (ts.isForOfStatement(node) && containsAwait(node.statement)) {
        // `for (const p of promises) await p;`: the later ones may reject while the first is awaited.
        const type = checker.getTypeAtLocation(node.expression);
        if ((checker.isArrayType(type) || checker.isTupleType(type)) && checker.getTypeArguments(type as ts.TypeReference).some(isPromise)) {
          const line = source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
          found.push({ file: source.fileName, line, name: node.expression.getText(source), awaitLine: line });
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return found;
}

function check(declaration: ts.VariableDeclaration, source: ts.SourceFile, checker: ts.TypeChecker): EarlyPromise | undefined {
  const init = skipParens(declaration.initializer!);
  if (ts.isAwaitExpression(init) || handledAtOnce(init)) return undefined;
  if (!holdsPromise(checker.getTypeAtLocation(declaration.name), checker)) return undefined;
  const scope = enclosingFunction(declaration);
  if (!scope) return undefined;
  const names = boundNames(declaration.name);
  const symbols = new Set(names.map((n) => checker.getSymbolAtLocation(n)).filter((s): s is ts.Symbol => Boolean(s)));
  let firstUse = Number.POSITIVE_INFINITY;
  const awaits: ts.Node[] = [];
  const walk = (node: ts.Node, nested: boolean): void => {
    if (node.pos >= declaration.end) {
      if (ts.isIdentifier(node) && node.getStart(source) < firstUse) {
        const symbol = checker.getSymbolAtLocation(node);
        if (symbol && symbols.has(symbol)) firstUse = node.getStart(source);
      }
      const isAwait = ts.isAwaitExpression(node) || (ts.isForOfStatement(node) && Boolean(node.awaitModifier));
      if (!nested && isAwait) awaits.push(node);
    }
    const inner = nested || (node !== scope && ts.isFunctionLike(node));
    ts.forEachChild(node, (child) => walk(child, inner));
  };
  walk(scope, false);
  // An await that finishes before the first use awaits something else while the promise may reject.
  const early = awaits.find((a) => a.getStart(source) > declaration.end && a.end <= firstUse && !(a.getStart(source) <= firstUse && firstUse < a.end));
  if (!early) return undefined;
  const line = (pos: number) => source.getLineAndCharacterOfPosition(pos).line + 1;
  return { file: source.fileName, line: line(declaration.getStart(source)), name: names.map((n) => n.text).join(', '), awaitLine: line(early.getStart(source)) };
}

function containsAwait(node: ts.Node): boolean {
  if (ts.isAwaitExpression(node)) return true;
  if (ts.isFunctionLike(node)) return false;
  return Boolean(ts.forEachChild(node, (child) => containsAwait(child) || undefined));
}

function skipParens(node: ts.Expression): ts.Expression {
  return ts.isParenthesizedExpression(node) ? skipParens(node.expression) : node;
}

function handledAtOnce(init: ts.Expression): boolean {
  if (!ts.isCallExpression(init)) return false;
  const callee = init.expression;
  const name = ts.isIdentifier(callee) ? callee.text : ts.isPropertyAccessExpression(callee) ? callee.name.text : '';
  if (HANDLED_CALLS.has(name)) return true;
  // .then(onFulfilled, onRejected)
  return name === 'then' && init.arguments.length >= 2;
}

function enclosingFunction(node: ts.Node): ts.FunctionLikeDeclaration | undefined {
  for (let n = node.parent; n; n = n.parent) if (ts.isFunctionLike(n) && 'body' in n && n.body) return n as ts.FunctionLikeDeclaration;
  return undefined;
}

function boundNames(name: ts.BindingName): ts.Identifier[] {
  if (ts.isIdentifier(name)) return [name];
  return name.elements.flatMap((e) => (ts.isBindingElement(e) ? boundNames(e.name) : []));
}

function isPromise(type: ts.Type): boolean {
  if (type.isUnion()) return type.types.some(isPromise);
  const name = type.getSymbol()?.getName();
  return name === 'Promise' || name === 'PromiseLike';
}

/** A promise, an array or tuple of promises, or an object with promise-valued properties. */
function holdsPromise(type: ts.Type, checker: ts.TypeChecker): boolean {
  const members = type.isUnion() ? type.types : [type];
  return members.some((t) => {
    if (isPromise(t)) return true;
    if (checker.isArrayType(t) || checker.isTupleType(t)) return checker.getTypeArguments(t as ts.TypeReference).some(isPromise);
    if (!(t.flags & ts.TypeFlags.Object) || t.getCallSignatures().length) return false;
    const symbol = t.getSymbol();
    // Our own plain objects only (library classes such as got's clients keep their own promises).
    const declared = symbol?.declarations?.[0]?.getSourceFile().fileName ?? '';
    if (declared.includes('/node_modules/')) return false;
    return t.getProperties().some((p) => {
      const d = p.valueDeclaration;
      return Boolean(d) && !ts.isMethodDeclaration(d!) && !ts.isMethodSignature(d!) && isPromise(checker.getTypeOfSymbol(p));
    });
  });
}

/** A program over the project's sources as tsconfig.json defines it. */
export function projectProgram(root: string): ts.Program {
  const configPath = ts.findConfigFile(root, ts.sys.fileExists, 'tsconfig.json')!;
  const parsed = ts.getParsedCommandLineOfConfigFile(configPath, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined })!;
  return ts.createProgram({ rootNames: parsed.fileNames, options: parsed.options });
}
