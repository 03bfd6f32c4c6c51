import Foundation
import TestSupport

/// Committed fixtures and the shipped model, for the Evaluation tests.
enum EvaluationFixtures {
    /// The decoded JSON fixture `name` (in `Fixtures/`).
    static func json<T: Decodable>(_ name: String, as type: T.Type) throws -> T {
        guard let url = Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures") else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: "Fixtures/\(name)"])
        }
        return try JSONDecoder().decode(T.self, from: Data(contentsOf: url))
    }

    /// The shipped model (`TestModel.path`).
    static var modelPath: String? { TestModel.path }
}
