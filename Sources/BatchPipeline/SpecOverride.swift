import Ingestion
import Yams

/// One command-line change to a pipeline file: `--set kv.budget=0.25`, or a dedicated flag such
/// as `--batch-size 4`. The value is YAML (`0.25`, `[a, b]`, `null`); where the field is a string
/// the text is taken as written, so `--set prompt.user="Summarize: {document}"` needs no quoting.
public struct SpecOverride: Sendable, Equatable {
    /// The dotted key, split: `["kv", "budget"]`.
    public var path: [String]
    /// The value as written.
    public var rawValue: String
    /// How it was given, for messages: `--set kv.budget=0.25`, `--batch-size 4`.
    public var flag: String

    /// Parts a key may have: pipeline keys have two, and each part is one level of recursion
    /// when the override is applied (issue 16 item 2).
    public static let maxKeyParts = 16

    public init(path: [String], rawValue: String, flag: String) {
        self.path = path
        self.rawValue = rawValue
        self.flag = flag
    }

    /// Parses `key=value` from `--set`.
    public init(parsing assignment: String) throws(PipelineError) {
        let flag = "--set \(assignment)"
        guard let equals = assignment.firstIndex(of: "=") else {
            throw PipelineError.invalidSpec(
                location: flag, key: "", message: "expected key=value (for example kv.budget=0.25)")
        }
        let key = String(assignment[..<equals])
        let path = key.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        let valid = path.allSatisfy { part in
            !part.isEmpty
                && part.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }
        }
        guard valid else {
            throw PipelineError.invalidSpec(
                location: flag, key: key,
                message: "not a key: use lower-case names joined by dots (for example kv.budget)")
        }
        self.init(path: path, rawValue: String(assignment[assignment.index(after: equals)...]), flag: flag)
    }

    /// A dedicated flag (`--batch-size 4`) as an override of `key`.
    public static func flag(_ name: String, key: String, value: String) -> SpecOverride {
        SpecOverride(path: key.split(separator: ".").map(String.init), rawValue: value, flag: "\(name) \(value)")
    }

    public var key: String { path.joined(separator: ".") }

    /// The value as a YAML node: a scalar, list or mapping; text that is not valid YAML is a
    /// string.
    var node: Node {
        if rawValue.isEmpty { return Node("", Tag(.str)) }
        if let parsed = try? Yams.compose(yaml: rawValue) { return parsed }
        return Node(rawValue, Tag(.str))
    }
}

extension SpecOverride {
    /// A dedicated flag that sets a list (`--input a --input b` for `input.paths`).
    public static func list(_ name: String, key: String, values: [String]) -> SpecOverride {
        var raw = "["
        for (k, v) in values.enumerated() {
            if k > 0 { raw += ", " }
            raw += JSONString.quoted(v)
        }
        raw += "]"
        return SpecOverride(
            path: key.split(separator: ".").map(String.init), rawValue: raw,
            flag: values.map { "\(name) \($0)" }.joined(separator: " "))
    }
}
