import KVCaches
import Testing

@testable import Evaluation

/// `KVSettings.evaluationGrid`: what `--policies`, `--budgets` and `--strides` run.
struct EvaluationGridTests {
    @Test func fullFirstThenPolicyBudgetStride() throws {
        let grid = try KVSettings.evaluationGrid(
            policies: "full, recency,roco", budgets: "0.5,1,0.25", strides: "32,64", seed: 7)
        #expect(
            grid.map(\.label) == [
                "full", "recency@0.5/s32", "recency@0.5/s64", "recency@0.25/s32", "recency@0.25/s64", "roco@0.5/s32",
                "roco@0.5/s64", "roco@0.25/s32", "roco@0.25/s64",
            ])
        let roco = grid[5]
        #expect(
            roco.mode == .encoding && roco.budget == .fraction(0.5) && roco.stride == 32 && roco.policy == .roco
                && roco.seed == 7)
        #expect(grid[0].mode == .full && grid[0].stride == 32 && grid[0].seed == 7)
        #expect(grid[0].policyLabel == "full" && grid[0].promptFraction == 1)
        #expect(roco.policyLabel == "roco" && roco.promptFraction == 0.5)
        #expect(
            try KVSettings.evaluationGrid(policies: "h2o_head_std_avg", budgets: "0.5", strides: "8")[1].policy == .roco
        )
    }

    /// `--kv-types`: the whole grid, with its own full cache, once per type (keys/values).
    @Test func kvTypesRepeatTheGrid() throws {
        let grid = try KVSettings.evaluationGrid(
            policies: "full,tova", budgets: "0.5", strides: "64", kvTypes: "f32, q8_0,q8_0/q4_1")
        #expect(
            grid.map(\.label) == [
                "full", "tova@0.5/s64", "full/q8_0", "tova@0.5/s64/q8_0", "full/q8_0/q4_1", "tova@0.5/s64/q8_0/q4_1",
            ])
        #expect(grid.map(\.keyFormat) == [.f32, .f32, .q8_0, .q8_0, .q8_0, .q8_0])
        #expect(grid.map(\.valueFormat) == [.f32, .f32, .q8_0, .q8_0, .q4_1, .q4_1])
        #expect(grid[3].policyAndTypeLabel == "tova [q8_0]" && grid[1].policyAndTypeLabel == "tova")
        #expect(throws: EvaluationError.invalidSetting("--kv-types: unknown KV type 'q5' (valid: f32, q8_0)")) {
            try KVSettings.evaluationGrid(policies: "tova", budgets: "0.5", strides: "8", kvTypes: "q5")
        }
        #expect(
            throws: EvaluationError.invalidSetting(
                "--kv-types: keys may be stored as f32 or q8_0, not q4_0 (4-bit types are for values: --kv-value-type)")
        ) {
            try KVSettings.evaluationGrid(policies: "tova", budgets: "0.5", strides: "8", kvTypes: "q4_0")
        }
        #expect(throws: EvaluationError.invalidSetting("--kv-types: 'a/b/c' is not a type or keys/values")) {
            try KVSettings.evaluationGrid(policies: "tova", budgets: "0.5", strides: "8", kvTypes: "a/b/c")
        }
    }

    @Test func badListsAreErrorsNamingTheFlag() {
        #expect(
            throws: EvaluationError.invalidSetting(
                "--budgets: 2.0 is not a fraction of the prompt in (0, 1] (1 is the full cache)")
        ) {
            try KVSettings.evaluationGrid(policies: "roco", budgets: "0.5,2", strides: "8")
        }
        #expect(throws: EvaluationError.invalidSetting("--budgets: 'half' is not a number")) {
            try KVSettings.evaluationGrid(policies: "roco", budgets: "half", strides: "8")
        }
        #expect(throws: EvaluationError.invalidSetting("--budgets: 'nan' is not a number")) {
            try KVSettings.evaluationGrid(policies: "roco", budgets: "nan", strides: "8")
        }
        #expect(throws: EvaluationError.invalidSetting("--strides: 0 must be at least 1")) {
            try KVSettings.evaluationGrid(policies: "roco", budgets: "0.5", strides: "0")
        }
        #expect(
            throws: EvaluationError.invalidSetting(
                "--policies: h2o_head_decay_avg_std evicts generated tokens only (decoding mode); evaluations compress the prompt"
            )
        ) {
            try KVSettings.evaluationGrid(policies: "roco,h2o_head_decay_avg_std", budgets: "0.5", strides: "8")
        }
        do {
            _ = try KVSettings.evaluationGrid(policies: "roco,lru", budgets: "0.5", strides: "8")
            Issue.record("an unknown policy was accepted")
        } catch {
            #expect(error.description.hasPrefix("--policies: ") && error.description.contains("lru"))
        }
    }
}
