internal import CLibXML2

/// Refuses XML whose entity references would expand to far more text than the file holds.
///
/// The parser never substitutes entities (no `XML_PARSE_NOENT`), and libxml2 2.9 already stops
/// nested "billion laughs" declarations with `XML_ERR_ENTITY_LOOP`. A flat "quadratic blowup"
/// (one 50 kB entity referenced 50,000 times) parses quickly into reference nodes but would
/// become gigabytes for anything that expands them (`xmlNodeGetContent` does), and is an attack
/// rather than a document. This computes the expanded size of every reference without
/// expanding, and throws past the limit.
enum EntityExpansionGuard {
    /// Expansion allowed: 1 MiB, or 10 × the input, whichever is larger.
    static func limit(inputBytes: Int) -> Int { max(1 << 20, 10 * inputBytes) }

    static func check(_ document: LibXMLDocument, inputBytes: Int, source: String) throws(IngestionError) {
        guard let subset = document.pointer.pointee.intSubset, subset.pointee.entities != nil,
            let root = document.root
        else { return }
        let limit = limit(inputBytes: inputBytes)
        var sizes: [String: Int] = [:]
        var total = 0
        var exceeded = false
        LibXML.walk(
            root,
            enter: { node in
                guard !exceeded else { return false }
                if node.pointee.type == XML_ENTITY_REF_NODE, let name = node.pointee.name {
                    total += expandedSize(
                        String(cString: name), document: document.pointer, memo: &sizes, depth: 0, limit: limit)
                    if total > limit { exceeded = true }
                    return false
                }
                return node.isElement
            }, exit: { _ in })
        if exceeded {
            throw IngestionError(
                source: source, .entityExpansion("entity references would expand to more than \(limit) bytes"))
        }
    }

    /// Bytes of text entity `name` stands for, counting nested references; capped just past `limit`.
    private static func expandedSize(
        _ name: String, document: xmlDocPtr, memo: inout [String: Int], depth: Int, limit: Int
    ) -> Int {
        if let known = memo[name] { return known }
        guard depth < 16 else { return limit + 1 }
        guard let entity = xmlGetDocEntity(document, name), let content = entity.pointee.content else {
            memo[name] = name.utf8.count + 2
            return name.utf8.count + 2
        }
        memo[name] = limit + 1  // a reference back to itself while we compute is a loop
        let length = Int(entity.pointee.length)
        var size = 0
        var i = 0
        while i < length {
            if content[i] == 0x26, i + 1 < length, content[i + 1] != 0x23 {  // '&' not followed by '#'
                var j = i + 1
                while j < length, content[j] != 0x3B, j - i < 256 { j += 1 }
                if j < length, content[j] == 0x3B {
                    let nested = String(
                        decoding: UnsafeBufferPointer(start: content + i + 1, count: j - i - 1), as: UTF8.self)
                    size += expandedSize(nested, document: document, memo: &memo, depth: depth + 1, limit: limit)
                    if size > limit { break }
                    i = j + 1
                    continue
                }
            }
            size += 1
            i += 1
        }
        let capped = min(size, limit + 1)
        memo[name] = capped
        return capped
    }
}
