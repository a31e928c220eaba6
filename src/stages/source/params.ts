/** The `source` (and `download`) stage takes no params: the model spec says where the checkpoint is. */
import { defineParams, type SchemaParams } from "../../pipeline/paramSchema.js";

export const sourceParams = defineParams({ options: {} });

export type SourceParams = SchemaParams<typeof sourceParams>;
