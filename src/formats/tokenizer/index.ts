export { tokenizerToGgufMetadata } from "./tokenizerToGgufMetadata.js";
export { TokenType } from "./tokenType.js";
export { O200K_SPLIT_REGEX } from "./detectPreTokenizer.js";
