/**
 * GGUF metadata values with their exact on-disk type, so that reading a file and writing it back
 * reproduces the same bytes (a UINT32 stays a UINT32, not "a number").
 */

/** Metadata value types (`enum gguf_type` in ggml/include/gguf.h). */
export enum GgufValueType {
  UINT8 = 0,
  INT8 = 1,
  UINT16 = 2,
  INT16 = 3,
  UINT32 = 4,
  INT32 = 5,
  FLOAT32 = 6,
  BOOL = 7,
  STRING = 8,
  ARRAY = 9,
  UINT64 = 10,
  INT64 = 11,
  FLOAT64 = 12,
}

/** Every type but ARRAY. */
export type GgufScalarType = Exclude<GgufValueType, GgufValueType.ARRAY>;

/** How each scalar type is held in JS: 64-bit integers as bigint so no value is rounded. */
export interface GgufScalarJsTypes {
  [GgufValueType.UINT8]: number;
  [GgufValueType.INT8]: number;
  [GgufValueType.UINT16]: number;
  [GgufValueType.INT16]: number;
  [GgufValueType.UINT32]: number;
  [GgufValueType.INT32]: number;
  [GgufValueType.FLOAT32]: number;
  [GgufValueType.BOOL]: boolean;
  [GgufValueType.STRING]: string;
  [GgufValueType.UINT64]: bigint;
  [GgufValueType.INT64]: bigint;
  [GgufValueType.FLOAT64]: number;
}

/** A single value, e.g. `{ type: GgufValueType.UINT32, value: 24 }`. */
export type GgufScalarValue = {
  [T in GgufScalarType]: { type: T; value: GgufScalarJsTypes[T] };
}[GgufScalarType];

/**
 * An array: every item has `itemType`. Scalar items are plain JS values
 * (`{ type: ARRAY, itemType: STRING, value: ["a", "b"] }`); items of a nested array are themselves
 * arrays, each with its own item type, as in the file (each inner array stores its own type and count).
 */
export type GgufArrayValue =
  | {
      [T in GgufScalarType]: { type: GgufValueType.ARRAY; itemType: T; value: GgufScalarJsTypes[T][] };
    }[GgufScalarType]
  | { type: GgufValueType.ARRAY; itemType: GgufValueType.ARRAY; value: GgufArrayValue[] };

/** Any metadata value. */
export type GgufValue = GgufScalarValue | GgufArrayValue;

/** Ordered metadata as read or to be written: key → typed value, in file order. */
export type GgufMetadata = Map<string, GgufValue>;

const TYPE_NAMES: Readonly<Record<GgufValueType, string>> = {
  [GgufValueType.UINT8]: "u8",
  [GgufValueType.INT8]: "i8",
  [GgufValueType.UINT16]: "u16",
  [GgufValueType.INT16]: "i16",
  [GgufValueType.UINT32]: "u32",
  [GgufValueType.INT32]: "i32",
  [GgufValueType.FLOAT32]: "f32",
  [GgufValueType.BOOL]: "bool",
  [GgufValueType.STRING]: "str",
  [GgufValueType.ARRAY]: "arr",
  [GgufValueType.UINT64]: "u64",
  [GgufValueType.INT64]: "i64",
  [GgufValueType.FLOAT64]: "f64",
};

/** True when `id` is a value type id GGUF defines. */
export function isGgufValueType(id: number): id is GgufValueType {
  return Object.hasOwn(TYPE_NAMES, id);
}

/** The short name gguf.cpp uses for the type ("u32", "str", "arr"). */
export function ggufValueTypeName(type: GgufValueType): string {
  return isGgufValueType(type) ? TYPE_NAMES[type] : `unknown type ${String(type)}`;
}

/** Bytes of one item of a fixed-size scalar type; undefined for STRING and ARRAY. */
export function ggufScalarByteLength(type: GgufValueType): number | undefined {
  switch (type) {
    case GgufValueType.UINT8:
    case GgufValueType.INT8:
    case GgufValueType.BOOL:
      return 1;
    case GgufValueType.UINT16:
    case GgufValueType.INT16:
      return 2;
    case GgufValueType.UINT32:
    case GgufValueType.INT32:
    case GgufValueType.FLOAT32:
      return 4;
    case GgufValueType.UINT64:
    case GgufValueType.INT64:
    case GgufValueType.FLOAT64:
      return 8;
    default:
      return undefined;
  }
}

/** Plain JS form of a value, dropping the type tags: arrays become (nested) JS arrays. */
export type GgufPlainValue = number | bigint | boolean | string | GgufPlainValue[];

/** The value without its type tags, e.g. for printing or JSON-like comparisons. */
export function ggufPlainValue(value: GgufValue): GgufPlainValue {
  if (value.type !== GgufValueType.ARRAY) return value.value;
  if (value.itemType === GgufValueType.ARRAY) return value.value.map(ggufPlainValue);
  return [...value.value];
}
