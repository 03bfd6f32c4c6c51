import Foundation
import KVCaches
import Yams

extension PipelineSpec {
    /// The keys a pipeline file may hold at the top level.
    static let topLevelKeys = [
        "version", "task", "model", "input", "output", "prompt", "generation", "kv", "chunking", "long_documents",
        "map_reduce", "batch_size", "concurrency", "questions",
    ]

    /// Reads, overrides and validates a pipeline file.
    public static func load(path: String, overrides: [SpecOverride] = []) throws(PipelineError) -> PipelineSpec {
        let text: String
        do {
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            guard let s = String(data: data, encoding: .utf8) else {
                throw PipelineError.unreadableSpec(path: path, message: "not UTF-8 text")
            }
            text = s
        } catch let e as PipelineError {
            throw e
        } catch {
            throw PipelineError.unreadableSpec(
                path: path, message: "cannot read: \((error as NSError).localizedDescription)")
        }
        return try parse(yaml: text, origin: path, overrides: overrides)
    }

    /// Parses pipeline YAML (`origin` names it in messages), applies `overrides`, validates.
    public static func parse(yaml: String, origin: String, overrides: [SpecOverride] = []) throws(PipelineError)
        -> PipelineSpec
    {
        // Refused before Yams sees it: Yams composes recursively (issue 16 item 2).
        if let line = YAMLNesting.lineBeyondLimit(in: yaml) {
            throw PipelineError.unreadableSpec(
                path: origin,
                message: "line \(line) nests deeper than \(YAMLNesting.limit) levels (a pipeline file needs 4)")
        }
        for o in overrides {
            if o.path.count > SpecOverride.maxKeyParts {
                throw PipelineError.invalidSpec(
                    location: o.flag, key: "",
                    message: "the key has \(o.path.count) parts; keys have at most \(SpecOverride.maxKeyParts)")
            }
            if YAMLNesting.lineBeyondLimit(in: o.rawValue) != nil {
                throw PipelineError.invalidSpec(
                    location: o.flag, key: o.key, message: "the value nests deeper than \(YAMLNesting.limit) levels")
            }
        }
        var root: Node
        do {
            root = try Yams.compose(yaml: yaml) ?? Node([(Node, Node)]())
        } catch {
            throw PipelineError.unreadableSpec(path: origin, message: "not valid YAML: \(error)")
        }
        if SpecReader.isNull(root) { root = Node([(Node, Node)]()) }
        let reader = SpecReader(file: origin, overrides: overrides)
        guard root.mapping != nil else {
            throw reader.error([], root, "a pipeline file is a mapping of \(topLevelKeys.joined(separator: ", "))")
        }
        // `input: path` and `input: [paths]` are short for `input: {paths: ...}`.
        if let input = root.mapping?["input"], input.mapping == nil, !SpecReader.isNull(input) {
            root = try replacing(["input"], with: Node([(Node("paths"), input)], Tag(.map)), in: root, reader: reader)
        }
        for o in overrides { root = try replacing(o.path, with: o.node, in: root, reader: reader, flag: o.flag) }
        var spec = try decode(root, reader: reader)
        spec.origin = origin
        return spec
    }

    /// `node` with the value at `path` replaced (mappings on the way are created as needed).
    static func replacing(
        _ path: [String], with value: Node, in node: Node?, reader: SpecReader, flag: String? = nil, depth: Int = 0
    ) throws(PipelineError) -> Node {
        guard depth < path.count else { return value }
        var pairs: [(Node, Node)] = []
        if let node, !SpecReader.isNull(node) {
            guard let mapping = node.mapping else {
                let prefix = Array(path[..<depth])
                throw PipelineError.invalidSpec(
                    location: flag ?? reader.location(prefix, node), key: prefix.joined(separator: "."),
                    message:
                        "cannot set \(path.joined(separator: ".")): \(prefix.joined(separator: ".")) is not a mapping")
            }
            pairs = Array(mapping.map { ($0.key, $0.value) })
        }
        let key = path[depth]
        if let i = pairs.firstIndex(where: { $0.0.scalar?.string == key }) {
            pairs[i].1 = try replacing(path, with: value, in: pairs[i].1, reader: reader, flag: flag, depth: depth + 1)
        } else {
            pairs.append(
                (Node(key), try replacing(path, with: value, in: nil, reader: reader, flag: flag, depth: depth + 1)))
        }
        return Node(pairs, Tag(.map))
    }

    static func decode(_ root: Node, reader r: SpecReader) throws(PipelineError) -> PipelineSpec {
        var spec = PipelineSpec()
        let top = try r.mapping(root, [], allowed: topLevelKeys)
        if let version = top["version"] {
            _ = try r.int(version, ["version"], default: 1, range: 1...1)
        }
        spec.task = try r.choice(top["task"], ["task"], default: spec.task)
        spec.prompt = PromptSpec.defaults(for: spec.task)
        spec.model = try r.optionalString(top["model"], ["model"])
        spec.output = try r.string(top["output"], ["output"], default: spec.output)
        if spec.output.isEmpty { throw r.error(["output"], top["output"], "the output path is empty") }
        spec.longDocuments = try r.choice(top["long_documents"], ["long_documents"], default: spec.longDocuments)
        spec.batchSize = try r.int(top["batch_size"], ["batch_size"], default: spec.batchSize, range: 1...256)
        spec.questions = try r.strings(top["questions"], ["questions"], default: [])
        if let q = spec.questions.firstIndex(where: { $0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }) {
            throw r.error(["questions", "\(q)"], top["questions"], "empty question")
        }

        if let node = top["input"], !SpecReader.isNull(node) {
            let m = try r.mapping(
                node, ["input"],
                allowed: [
                    "paths", "include", "exclude", "hidden", "max_bytes", "timeout", "retries", "retry_backoff",
                    "max_retry_delay", "allow_local_paths", "follow_symlinks_outside", "block_private_addresses",
                ])
            spec.input.paths = try r.strings(m["paths"], ["input", "paths"], default: [])
            spec.input.include = try r.strings(m["include"], ["input", "include"], default: [])
            spec.input.exclude = try r.strings(m["exclude"], ["input", "exclude"], default: [])
            spec.input.hidden = try r.bool(m["hidden"], ["input", "hidden"], default: false)
            spec.input.maxBytes = try r.int(
                m["max_bytes"], ["input", "max_bytes"], default: spec.input.maxBytes, range: 1...Int.max)
            spec.input.timeout = try r.double(
                m["timeout"], ["input", "timeout"], default: spec.input.timeout, range: 0.001...86_400)
            spec.input.retries = try r.int(
                m["retries"], ["input", "retries"], default: spec.input.retries, range: 0...20)
            spec.input.retryBackoff = try r.double(
                m["retry_backoff"], ["input", "retry_backoff"], default: spec.input.retryBackoff, range: 0...3600)
            spec.input.maxRetryDelay = try r.double(
                m["max_retry_delay"], ["input", "max_retry_delay"], default: spec.input.maxRetryDelay, range: 0...3600)
            let policy = spec.input.policy
            spec.input.policy.allowLocalPaths = try r.bool(
                m["allow_local_paths"], ["input", "allow_local_paths"], default: policy.allowLocalPaths)
            spec.input.policy.followSymlinksOutside = try r.bool(
                m["follow_symlinks_outside"], ["input", "follow_symlinks_outside"],
                default: policy.followSymlinksOutside)
            spec.input.policy.blockPrivateAddresses = try r.bool(
                m["block_private_addresses"], ["input", "block_private_addresses"],
                default: policy.blockPrivateAddresses)
        }

        if let node = top["prompt"], !SpecReader.isNull(node) {
            let m = try r.mapping(node, ["prompt"], allowed: ["system", "user", "map", "reduce", "chat_template"])
            if m["system"] != nil || r.overrides.contains(where: { $0.path == ["prompt", "system"] }) {
                spec.prompt.system = try r.optionalString(m["system"], ["prompt", "system"])
            }
            spec.prompt.user = try r.string(m["user"], ["prompt", "user"], default: spec.prompt.user)
            spec.prompt.map = try r.optionalString(m["map"], ["prompt", "map"])
            spec.prompt.reduce = try r.string(m["reduce"], ["prompt", "reduce"], default: spec.prompt.reduce)
            spec.prompt.chatTemplate = try r.optionalString(m["chat_template"], ["prompt", "chat_template"])
            try validatePrompts(spec, m, reader: r)
        } else {
            try validatePrompts(spec, [:], reader: r)
        }

        if let node = top["generation"], !SpecReader.isNull(node) {
            let p = ["generation"]
            let m = try r.mapping(node, p, allowed: ["max_tokens", "temperature", "top_p", "top_k", "seed", "stop"])
            spec.generation.maxTokens = try r.int(
                m["max_tokens"], p + ["max_tokens"], default: spec.generation.maxTokens, range: 1...65_536)
            spec.generation.temperature = try r.double(
                m["temperature"], p + ["temperature"], default: 0, range: 0...100)
            spec.generation.topP = try r.double(m["top_p"], p + ["top_p"], default: 1, range: 0.000_001...1)
            spec.generation.topK = try r.int(m["top_k"], p + ["top_k"], default: 0, range: 0...Int.max)
            spec.generation.seed = UInt64(try r.int(m["seed"], p + ["seed"], default: 0, range: 0...Int.max))
            spec.generation.stop = try r.strings(m["stop"], p + ["stop"], default: [])
            if let i = spec.generation.stop.firstIndex(of: "") {
                throw r.error(p + ["stop", "\(i)"], m["stop"], "empty stop string")
            }
        }

        if let node = top["kv"], !SpecReader.isNull(node) {
            spec.kv = try decodeKV(node, into: spec.kv, reader: r)
        }

        if let node = top["chunking"], !SpecReader.isNull(node) {
            let p = ["chunking"]
            let m = try r.mapping(node, p, allowed: ["chunk_tokens", "overlap_tokens", "max_prompt_tokens"])
            spec.chunking.chunkTokens = try r.int(
                m["chunk_tokens"], p + ["chunk_tokens"], default: spec.chunking.chunkTokens, range: 16...1 << 20)
            spec.chunking.overlapTokens = try r.int(
                m["overlap_tokens"], p + ["overlap_tokens"], default: spec.chunking.overlapTokens, range: 0...1 << 20)
            if spec.chunking.overlapTokens * 2 >= spec.chunking.chunkTokens {
                throw r.error(
                    p + ["overlap_tokens"], m["overlap_tokens"],
                    "must be less than half of chunk_tokens (\(spec.chunking.chunkTokens))")
            }
            spec.chunking.maxPromptTokens = try r.optionalInt(
                m["max_prompt_tokens"], p + ["max_prompt_tokens"], range: 64...1 << 24)
        }

        if let node = top["map_reduce"], !SpecReader.isNull(node) {
            let m = try r.mapping(node, ["map_reduce"], allowed: ["max_levels"])
            spec.mapReduce.maxLevels = try r.int(
                m["max_levels"], ["map_reduce", "max_levels"], default: spec.mapReduce.maxLevels, range: 2...8)
        }

        if let node = top["concurrency"], !SpecReader.isNull(node) {
            let m = try r.mapping(node, ["concurrency"], allowed: ["fetch", "extract"])
            spec.concurrency.fetch = try r.int(
                m["fetch"], ["concurrency", "fetch"], default: spec.concurrency.fetch, range: 1...256)
            spec.concurrency.extract = try r.int(
                m["extract"], ["concurrency", "extract"], default: spec.concurrency.extract, range: 1...256)
        }
        return spec
    }

    /// The `kv:` section over `settings`, validated without a prompt (`KVSettings.validate`): a
    /// mode/budget mismatch or a policy that cannot run in the mode is caught here, not once per
    /// document. Budgets follow the YAML type: an integer (`512`, `0x200`) is a token count, a
    /// float (`0.5`, `1.0`) a fraction of the prompt.
    static func decodeKV(_ node: Node, into settings: KVSettings, reader r: SpecReader) throws(PipelineError)
        -> KVSettings
    {
        let p = ["kv"]
        let m = try r.mapping(
            node, p,
            allowed: [
                "mode", "budget", "stride", "policy", "sink", "recent_ratio", "keep_attention", "streaming_positions",
                "seed", "key_type", "value_type",
            ])
        var kv = settings
        kv.mode = try r.choice(m["mode"], p + ["mode"], default: kv.mode)
        if let budget = m["budget"] { kv.budget = try r.budget(budget, p + ["budget"]) }
        kv.stride = try r.int(m["stride"], p + ["stride"], default: kv.stride, range: 1...1 << 20)
        if m["policy"] != nil {
            let name = try r.string(m["policy"], p + ["policy"], default: "")
            do { kv.policy = try PolicyName.named(name) } catch {
                throw r.error(p + ["policy"], m["policy"], error.description)
            }
        }
        kv.sink = try r.int(m["sink"], p + ["sink"], default: kv.sink, range: 0...1 << 20)
        kv.recentRatio = try r.double(
            m["recent_ratio"], p + ["recent_ratio"], default: kv.recentRatio, range: 0...0.999)
        kv.keepAttention = try r.bool(m["keep_attention"], p + ["keep_attention"], default: kv.keepAttention)
        kv.streamingPositions = try r.bool(
            m["streaming_positions"], p + ["streaming_positions"], default: kv.streamingPositions)
        kv.seed = UInt64(try r.int(m["seed"], p + ["seed"], default: Int(kv.seed), range: 0...Int.max))
        // Storage formats: `key_type` sets both unless `value_type` is given (as --kv-type does).
        for (key, setting) in [("key_type", KVCacheError.Setting.keyType), ("value_type", .valueType)] {
            guard m[key] != nil else { continue }
            let name = try r.string(m[key], p + [key], default: "")
            do {
                let format = try KVFormat.named(name, for: setting)
                if setting == .keyType {
                    kv.keyFormat = format
                    if m["value_type"] == nil { kv.valueFormat = format }
                } else {
                    kv.valueFormat = format
                }
            } catch {
                throw r.error(p + [key], m[key], error.reason)
            }
        }
        do { try kv.validate() } catch {
            guard case .invalidSetting(let setting, _) = error else { throw r.error(p, node, error.description) }
            throw r.error(p + [setting.key], m[setting.key] ?? node, error.reason)
        }
        return kv
    }

    /// Templates must hold the placeholders their step fills.
    private static func validatePrompts(_ spec: PipelineSpec, _ m: [String: Node], reader r: SpecReader)
        throws(PipelineError)
    {
        let p = ["prompt"]
        func require(_ placeholder: String, in template: String, key: String) throws(PipelineError) {
            guard template.contains(placeholder) else {
                throw r.error(p + [key], m[key] ?? m["user"], "the template has no \(placeholder) placeholder")
            }
        }
        try require("{document}", in: spec.prompt.user, key: "user")
        if let map = spec.prompt.map { try require("{document}", in: map, key: "map") }
        try require("{document}", in: spec.prompt.reduce, key: "reduce")
        if spec.task.needsQuestion {
            try require("{question}", in: spec.prompt.user, key: "user")
            if let map = spec.prompt.map { try require("{question}", in: map, key: "map") }
            try require("{question}", in: spec.prompt.reduce, key: "reduce")
        }
        if let custom = spec.prompt.chatTemplate, !custom.contains("{user}") {
            throw r.error(
                p + ["chat_template"], m["chat_template"], "a custom chat template needs a {user} placeholder")
        }
    }
}
