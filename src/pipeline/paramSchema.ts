/**
 * One declaration per parameter, read by both the command line (src/cli/addSchemaOptions.ts,
 * src/cli/readSchemaOptions.ts) and the pipeline YAML loader (parseYamlParams.ts). An option is keyed
 * by its property in the parsed params object (camelCase); its YAML key is that name in snake_case and
 * its flag in kebab-case unless it says otherwise. Each value goes through one validator
 * (parseParamValue.ts) on both sides — CLI strings are coerced first — so ranges, choices and
 * messages cannot drift apart.
 *
 * Schema modules must stay light: `--help` builds every command's options from them.
 */

/** What a validator reports instead of a value: the problem, worded for both sides. */
export class ParamProblem {
  constructor(
    readonly problem: string,
    /** The problem already quotes the value: the formatters must not add it again. */
    readonly mentionsValue = false,
  ) {}
}

interface OptionCommon {
  /** Help text (CLI) and documentation. */
  help: string;
  /** YAML key; default: the property name in snake_case. */
  yaml?: string;
  /** Long flag (`--per-subject`); default: the property name in kebab-case. */
  flag?: string;
  /** Short flag (`-o`). */
  short?: string;
  /** Further long flags that set the same option, hidden from help (old names after a rename). */
  aliases?: readonly string[];
  /** Placeholder in help (`<n>`); default by kind. */
  arg?: string;
  /** The option exists only on the command line, or only in pipeline files. */
  only?: "cli" | "yaml";
  /** Must be given (on both sides, or on one). */
  required?: boolean | "cli" | "yaml";
  default?: unknown;
}

export interface StringOption extends OptionCommon {
  kind: "string";
}

export interface IntegerOption extends OptionCommon {
  kind: "integer";
  min?: number;
  max?: number;
}

export interface NumberOption extends OptionCommon {
  kind: "number";
  min?: number;
  max?: number;
}

export interface BooleanOption extends OptionCommon {
  kind: "boolean";
  /** On the CLI, the flag turns the option off (`--no-clip`); the option defaults to on. */
  negate?: boolean;
}

export interface EnumOption extends OptionCommon {
  kind: "enum";
  choices: readonly (string | number)[];
  /** Command-line spellings of some choices (`{ "reap-sum": "reap_sum" }`). */
  cliValues?: Readonly<Record<string, string>>;
  /** What the problem says was expected; default `one of <choices>`. */
  expected?: string;
}

export interface ListOption extends OptionCommon {
  kind: "list";
}

export interface CustomOption<T = unknown> extends OptionCommon {
  kind: "custom";
  /** Validate a YAML value or a CLI string; return the parsed value or a ParamProblem. */
  parse(value: unknown): T | ParamProblem;
  /** Shown in help, where the values are a closed list. */
  choices?: readonly string[];
}

export type ParamOption = StringOption | IntegerOption | NumberOption | BooleanOption | EnumOption | ListOption | CustomOption;

export type OptionMap = Record<string, ParamOption>;

/** The type one option parses to. */
export type OptionValue<O> = O extends { kind: "string" }
  ? string
  : O extends { kind: "integer" | "number" }
    ? number
    : O extends { kind: "boolean" }
      ? boolean
      : O extends { kind: "enum"; choices: readonly (infer C)[] }
        ? C
        : O extends { kind: "list" }
          ? string[]
          : O extends { kind: "custom"; parse(value: unknown): infer T }
            ? Exclude<T, ParamProblem>
            : never;

type Side = "cli" | "yaml";
type OnSide<S extends OptionMap, side extends Side> = { [K in keyof S]: S[K] extends { only: infer O } ? (O extends side ? K : never) : K }[keyof S];
type Always<O, side extends Side> = O extends { default: NonNullable<unknown> } ? true : O extends { required: true } ? true : O extends { required: side } ? true : false;

/** The parsed params of an option map, as one side (the CLI or a pipeline file) produces them. */
export type ParsedParams<S extends OptionMap, side extends Side = "yaml"> = Simplify<
  { [K in OnSide<S, side> as Always<S[K], side> extends true ? K : never]: OptionValue<S[K]> } & {
    [K in OnSide<S, side> as Always<S[K], side> extends true ? never : K]?: OptionValue<S[K]>;
  }
>;
type Simplify<T> = { [K in keyof T]: T[K] } & {};

/** What check and finish get: each option's name on the side being parsed, and a way to fail there. */
export interface ParamContext {
  side: Side;
  /** `--kv-groups-keep` on the CLI, `kv_groups_keep` in a pipeline file. */
  name(property: string): string;
  /** Throw the side's error (UsageError, InvalidInputError) at an option, or at an item of a list option. */
  fail(property: string, problem: string, index?: number): never;
}

export interface ParamSchema<S extends OptionMap = OptionMap, P = unknown, C = P> {
  options: S;
  /** Cross-field rules ("heads_keep or kv_groups_keep, not both"): call ctx.fail. */
  check?(params: ParsedParams<S, Side>, ctx: ParamContext): void;
  /** Turn the parsed options into the params object (optional: the parsed options as they are). */
  finish?(params: ParsedParams<S, Side>, ctx: ParamContext): P;
  /** Leave out options that were not given, instead of keeping them as `undefined`. */
  dropUndefined?: boolean;
  /** Type carriers only: the params from a pipeline file (P) and from the command line (C). */
  readonly __params?: P;
  readonly __cliParams?: C;
}

/** The params object a schema produces from a pipeline file. */
export type SchemaParams<T> = T extends ParamSchema<infer _S, infer P, infer _C> ? P : never;
/** The params object a schema produces from the command line (CLI-only options included, YAML-only ones left out). */
export type SchemaCliParams<T> = T extends ParamSchema<infer _S, infer _P, infer C> ? C : never;

interface SchemaDeclaration<S extends OptionMap> {
  options: S;
  check?: (params: ParsedParams<S, Side>, ctx: ParamContext) => void;
  dropUndefined?: boolean;
}

/**
 * Declare a schema; TypeScript infers the params type from it (or from `finish`).
 * `defineParams({ options: { parallel: { kind: "integer", min: 1, max: 64, help: "…" } } })`.
 */
export function defineParams<const S extends OptionMap, P>(
  schema: SchemaDeclaration<S> & { finish: (params: ParsedParams<S, Side>, ctx: ParamContext) => P },
): ParamSchema<S, P, P>;
export function defineParams<const S extends OptionMap>(schema: SchemaDeclaration<S>): ParamSchema<S, ParsedParams<S, "yaml">, ParsedParams<S, "cli">>;
export function defineParams(schema: SchemaDeclaration<OptionMap>): ParamSchema {
  return schema as ParamSchema;
}
