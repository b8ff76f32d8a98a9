/**
 * The preprocessor engine (pure): directive scanner, `#if` evaluation with macro expansion and
 * three-valued results, unifdef-style views, guard analysis. Import from here.
 */
export { scanDirectives, type CondBranch, type CondGroup, type ConditionalKind, type Directive, type DirectiveKind, type ScanReport } from './scan.js';
export { createEnv, isKnown, kernelEnv, parseMacroDefinition, KERNEL_VERSION_BODY, type CppEnv, type EnvSpec, type KernelEnvOptions, type Macro, type MacroSpec } from './env.js';
export { expandLine, type SourceRef } from './macro.js';
export { parseExpression, UndefinedMacroCallError, BINARY_PRECEDENCE, type Expr } from './expr.js';
export { evaluateDirective, evaluateExpression, type CondResult, type Truth } from './eval.js';
export { parseCharLiteral, parseIntegerLiteral } from './literal.js';
export { resolveConditionals, type BranchResolution, type GroupResolution, type Reach } from './resolve.js';
export { viewReport, viewText, type ViewLine } from './view.js';
export { analyzeFile, analyzeGuards, type GuardAnalysis, type GuardFinding, type GuardOutcome, type KernelUnderTest, type VersionRange } from './analyze.js';
