/// A test's prerequisite (set up by scripts/setup) is absent: the test fails with this message, never skips.
struct MissingPrerequisite: Error, CustomStringConvertible {
    let description: String
    init(_ message: String) { description = message }
}
