import KVCaches
import Yams

/// Reads a YAML node tree into typed values, strictly: a mapping may only hold the keys it lists,
/// every value must have the expected type, and each error names the file and line (or the flag
/// that set the value) and the dotted key.
struct SpecReader {
    let file: String
    let overrides: [SpecOverride]

    /// Where the value at `path` came from: the last flag that set it (or a mapping above it),
    /// else `file:line`.
    func location(_ path: [String], _ node: Node?) -> String {
        if let o = overrides.last(where: { path.starts(with: $0.path) }) { return o.flag }
        if let line = node?.mark?.line { return "\(file):\(line)" }
        return file
    }

    func error(_ path: [String], _ node: Node?, _ message: String) -> PipelineError {
        PipelineError.invalidSpec(location: location(path, node), key: path.joined(separator: "."), message: message)
    }

    /// The entries of a mapping, checked against `allowed` (unknown and duplicate keys are errors).
    func mapping(_ node: Node, _ path: [String], allowed: [String]) throws(PipelineError) -> [String: Node] {
        guard let mapping = node.mapping else {
            throw error(
                path, node, "expected a mapping with keys \(allowed.joined(separator: ", ")), got \(describe(node))")
        }
        var out: [String: Node] = [:]
        for (keyNode, value) in mapping {
            guard let key = keyNode.scalar?.string else {
                throw error(path, keyNode, "keys must be plain names, got \(describe(keyNode))")
            }
            let keyPath = path + [key]
            guard allowed.contains(key) else {
                var message = "unknown key '\(key)'"
                if let close = allowed.first(where: { Self.editDistance($0, key) <= 2 }) {
                    message += " (did you mean '\(close)'?)"
                }
                message += "; valid keys here: \(allowed.joined(separator: ", "))"
                throw PipelineError.invalidSpec(
                    location: location(keyPath, keyNode), key: keyPath.joined(separator: "."), message: message)
            }
            guard out[key] == nil else { throw error(keyPath, keyNode, "duplicate key") }
            out[key] = value
        }
        return out
    }

    static func isNull(_ node: Node?) -> Bool {
        guard let node else { return true }
        return node.scalar != nil && node.tag.description == Tag.Name.null.rawValue
    }

    func describe(_ node: Node) -> String {
        switch node {
        case .scalar(let s):
            let text = s.string.count > 40 ? String(s.string.prefix(40)) + "…" : s.string
            return Self.isNull(node) ? "null" : "'\(text)'"
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        }
    }

    /// The text an override gave for exactly this key, taken as a string whatever YAML makes of it.
    private func rawOverride(_ path: [String]) -> String? {
        overrides.last(where: { $0.path == path })?.rawValue
    }

    /// A string; nil when absent or null.
    func optionalString(_ node: Node?, _ path: [String]) throws(PipelineError) -> String? {
        if let raw = rawOverride(path) { return raw == "null" || raw == "~" ? nil : raw }
        guard let node, !Self.isNull(node) else { return nil }
        guard let scalar = node.scalar else { throw error(path, node, "expected a string, got \(describe(node))") }
        return scalar.string
    }

    func string(_ node: Node?, _ path: [String], default value: String) throws(PipelineError) -> String {
        if node == nil && rawOverride(path) == nil { return value }
        guard let s = try optionalString(node, path) else { throw error(path, node, "expected a string, got null") }
        return s
    }

    func int(_ node: Node?, _ path: [String], default value: Int, range: ClosedRange<Int>) throws(PipelineError) -> Int
    {
        guard let node else { return value }
        guard let i = try optionalInt(node, path, range: range) else {
            throw error(path, node, "expected an integer, got null")
        }
        return i
    }

    func optionalInt(_ node: Node?, _ path: [String], range: ClosedRange<Int>) throws(PipelineError) -> Int? {
        guard let node, !Self.isNull(node) else { return nil }
        guard node.scalar != nil, node.tag.description == Tag.Name.int.rawValue, let i = node.int else {
            throw error(path, node, "expected an integer, got \(describe(node))")
        }
        guard range.contains(i) else { throw error(path, node, "\(i) is out of range (\(rangeText(range)))") }
        return i
    }

    func double(_ node: Node?, _ path: [String], default value: Double, range: ClosedRange<Double>)
        throws(PipelineError) -> Double
    {
        guard let node else { return value }
        let tag = node.tag.description
        guard node.scalar != nil, tag == Tag.Name.int.rawValue || tag == Tag.Name.float.rawValue, let d = node.float,
            d.isFinite
        else {
            throw error(path, node, "expected a number, got \(describe(node))")
        }
        guard range.contains(d) else {
            throw error(path, node, "\(d) is out of range (\(range.lowerBound)…\(range.upperBound))")
        }
        return d
    }

    /// A KV budget: a YAML integer is a token count, a float a fraction of the prompt.
    func budget(_ node: Node, _ path: [String]) throws(PipelineError) -> Budget {
        let tag = node.tag.description
        if node.scalar != nil, tag == Tag.Name.int.rawValue, let i = node.int {
            guard i >= 1 else {
                throw error(path, node, "\(describe(node)) is not a budget: a token count must be at least 1")
            }
            return .tokens(i)
        }
        if node.scalar != nil, tag == Tag.Name.float.rawValue, let d = node.float, d.isFinite, d > 0 {
            return .fraction(d)
        }
        throw error(
            path, node,
            "\(describe(node)) is not a budget: give a fraction of the prompt such as 0.5, or a token count such as 512"
        )
    }

    func bool(_ node: Node?, _ path: [String], default value: Bool) throws(PipelineError) -> Bool {
        guard let node else { return value }
        guard node.scalar != nil, node.tag.description == Tag.Name.bool.rawValue, let b = node.bool else {
            throw error(path, node, "expected true or false, got \(describe(node))")
        }
        return b
    }

    /// A list of strings; a single string is a list of one; null is empty.
    func strings(_ node: Node?, _ path: [String], default value: [String]) throws(PipelineError) -> [String] {
        guard let node else { return value }
        if Self.isNull(node) { return [] }
        if let scalar = node.scalar { return [rawOverride(path) ?? scalar.string] }
        guard let sequence = node.sequence else {
            throw error(path, node, "expected a list of strings, got \(describe(node))")
        }
        var out: [String] = []
        for (k, item) in sequence.enumerated() {
            guard let scalar = item.scalar, !Self.isNull(item) else {
                throw error(path + ["\(k)"], item, "expected a string, got \(describe(item))")
            }
            out.append(scalar.string)
        }
        return out
    }

    /// One of the names of a `CaseIterable` string enum.
    func choice<E: RawRepresentable & CaseIterable>(_ node: Node?, _ path: [String], default value: E)
        throws(PipelineError)
        -> E where E.RawValue == String
    {
        guard node != nil || rawOverride(path) != nil else { return value }
        let text = try optionalString(node, path) ?? "null"
        guard let e = E(rawValue: text) else {
            throw error(path, node, "'\(text)' is not one of \(E.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return e
    }

    private func rangeText(_ range: ClosedRange<Int>) -> String {
        range.upperBound == Int.max ? "at least \(range.lowerBound)" : "\(range.lowerBound)…\(range.upperBound)"
    }

    /// Levenshtein distance, for "did you mean" hints.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a)
        let b = Array(b)
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}
