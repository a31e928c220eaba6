/**
 * A minimal ONNX model, written as protobuf bytes by hand: one `Gemm` node computing
 * `Y = X · Wᵀ (+ B)` with X [n, k], W [m, k] (the row-major layout Hugging Face stores linear weights in)
 * and B [m], all float32 with symbolic dimensions. The weights are graph *inputs*, not initializers,
 * so one session serves every linear of every shape: nothing is rebuilt per weight or per shape.
 *
 * Hand-encoded because the project carries no protobuf or onnx package and this graph needs a dozen
 * fields (onnx.proto field numbers are cited beside each).
 */

const WIRE_VARINT = 0;
const WIRE_LENGTH_DELIMITED = 2;

/** ONNX TensorProto.DataType.FLOAT. */
const ONNX_FLOAT = 1;
/** AttributeProto.AttributeType.INT. */
const ATTRIBUTE_INT = 2;
/** IR version 8 (ONNX 1.10+) with opset 13: every ONNX Runtime of the last years loads it. */
const IR_VERSION = 8;
const OPSET_VERSION = 13;

class ProtoWriter {
  readonly #bytes: number[] = [];

  #varint(value: number): void {
    if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`protobuf varint out of range: ${value}`);
    let v = value;
    while (v >= 0x80) {
      this.#bytes.push((v % 0x80) | 0x80);
      v = Math.floor(v / 0x80);
    }
    this.#bytes.push(v);
  }

  #tag(field: number, wire: number): void {
    this.#varint(field * 8 + wire);
  }

  int(field: number, value: number): this {
    this.#tag(field, WIRE_VARINT);
    this.#varint(value);
    return this;
  }

  bytes(field: number, value: Uint8Array): this {
    this.#tag(field, WIRE_LENGTH_DELIMITED);
    this.#varint(value.length);
    for (const b of value) this.#bytes.push(b);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }

  message(field: number, build: (w: ProtoWriter) => void): this {
    const inner = new ProtoWriter();
    build(inner);
    return this.bytes(field, inner.finish());
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.#bytes);
  }
}

/** ValueInfoProto {name = 1, type = 2}; TypeProto {tensor_type = 1}; Tensor {elem_type = 1, shape = 2}; Dimension {dim_param = 2}. */
function floatTensorValueInfo(w: ProtoWriter, field: number, name: string, dims: string[]): void {
  w.message(field, (vi) =>
    vi.string(1, name).message(2, (type) =>
      type.message(1, (tensor) =>
        tensor.int(1, ONNX_FLOAT).message(2, (shape) => {
          for (const d of dims) shape.message(1, (dim) => dim.string(2, d));
        }),
      ),
    ),
  );
}

/**
 * The serialized model. Inputs `X` [n, k], `W` [m, k] and, when `withBias`, `B` [m]; output `Y` [n, m].
 */
export function encodeOnnxGemmModel(params: { withBias: boolean }): Uint8Array {
  const inputs = params.withBias ? ["X", "W", "B"] : ["X", "W"];
  return new ProtoWriter()
    .int(1, IR_VERSION) // ModelProto.ir_version
    .string(2, "oss-prep") // ModelProto.producer_name
    .message(7, (graph) => {
      // ModelProto.graph → GraphProto
      graph.message(1, (node) => {
        // GraphProto.node → NodeProto {input = 1, output = 2, name = 3, op_type = 4, attribute = 5}
        for (const input of inputs) node.string(1, input);
        node.string(2, "Y").string(3, "linear").string(4, "Gemm");
        // AttributeProto {name = 1, i = 3, type = 20}
        node.message(5, (attr) => attr.string(1, "transB").int(3, 1).int(20, ATTRIBUTE_INT));
      });
      graph.string(2, params.withBias ? "linear_bias" : "linear");
      floatTensorValueInfo(graph, 11, "X", ["n", "k"]); // GraphProto.input
      floatTensorValueInfo(graph, 11, "W", ["m", "k"]);
      if (params.withBias) floatTensorValueInfo(graph, 11, "B", ["m"]);
      floatTensorValueInfo(graph, 12, "Y", ["n", "m"]); // GraphProto.output
    })
    .message(8, (opset) => opset.string(1, "").int(2, OPSET_VERSION)) // ModelProto.opset_import → OperatorSetIdProto {domain = 1, version = 2}
    .finish();
}
