/// GGUF metadata key names (llama.cpp `gguf-py/gguf/constants.py` `Keys`), kept in one place.
/// Architecture-scoped keys take the architecture name as prefix: `"\(arch).block_count"`.
public enum GGUFKeys {
    public static let architecture = "general.architecture"
    public static let name = "general.name"
    public static let alignment = "general.alignment"
    public static let fileType = "general.file_type"

    public static func blockCount(_ arch: String) -> String { "\(arch).block_count" }
    public static func contextLength(_ arch: String) -> String { "\(arch).context_length" }
    public static func embeddingLength(_ arch: String) -> String { "\(arch).embedding_length" }
    public static func feedForwardLength(_ arch: String) -> String { "\(arch).feed_forward_length" }
    public static func headCount(_ arch: String) -> String { "\(arch).attention.head_count" }
    public static func headCountKV(_ arch: String) -> String { "\(arch).attention.head_count_kv" }
    public static func rmsEpsilon(_ arch: String) -> String { "\(arch).attention.layer_norm_rms_epsilon" }
    public static func keyLength(_ arch: String) -> String { "\(arch).attention.key_length" }
    public static func valueLength(_ arch: String) -> String { "\(arch).attention.value_length" }
    public static func slidingWindow(_ arch: String) -> String { "\(arch).attention.sliding_window" }
    /// Gemma 2's period of sliding-window layers (llama.cpp `LLM_KV_ATTENTION_SLIDING_WINDOW_PATTERN`).
    public static func slidingWindowPattern(_ arch: String) -> String { "\(arch).attention.sliding_window_pattern" }
    public static func attentionLogitSoftcapping(_ arch: String) -> String { "\(arch).attn_logit_softcapping" }
    public static func finalLogitSoftcapping(_ arch: String) -> String { "\(arch).final_logit_softcapping" }
    public static func ropeDimensionCount(_ arch: String) -> String { "\(arch).rope.dimension_count" }
    public static func ropeFreqBase(_ arch: String) -> String { "\(arch).rope.freq_base" }
    /// The rope base of sliding-window layers, where it differs (llama.cpp `LLM_KV_ROPE_FREQ_BASE_SWA`).
    public static func ropeFreqBaseSWA(_ arch: String) -> String { "\(arch).rope.freq_base_swa" }
    public static func ropeScalingType(_ arch: String) -> String { "\(arch).rope.scaling.type" }
    public static func ropeScalingFactor(_ arch: String) -> String { "\(arch).rope.scaling.factor" }
    public static func ropeScalingOriginalContext(_ arch: String) -> String {
        "\(arch).rope.scaling.original_context_length"
    }
    public static func vocabSize(_ arch: String) -> String { "\(arch).vocab_size" }

    public static let tokenizerModel = "tokenizer.ggml.model"
    public static let tokenizerPre = "tokenizer.ggml.pre"
    public static let tokens = "tokenizer.ggml.tokens"
    public static let tokenTypes = "tokenizer.ggml.token_type"
    public static let scores = "tokenizer.ggml.scores"
    public static let merges = "tokenizer.ggml.merges"
    public static let bosTokenID = "tokenizer.ggml.bos_token_id"
    public static let eosTokenID = "tokenizer.ggml.eos_token_id"
    public static let unknownTokenID = "tokenizer.ggml.unknown_token_id"
    public static let paddingTokenID = "tokenizer.ggml.padding_token_id"
    public static let eotTokenID = "tokenizer.ggml.eot_token_id"
    public static let addBOS = "tokenizer.ggml.add_bos_token"
    public static let addEOS = "tokenizer.ggml.add_eos_token"
    public static let addSpacePrefix = "tokenizer.ggml.add_space_prefix"
    public static let chatTemplate = "tokenizer.chat_template"
}
