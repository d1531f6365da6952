/// Where a sigma-indexed sampler is in its schedule: diffusers' `step_index`, set from the first timestep a run
/// passes and advanced by each step. The Karras-style (SigmaSchedule) and flow (FlowMatchSchedule) schedules
/// share it.
protocol StepCursor {
    var timesteps: [Float] { get }
    var sigmas: [Float] { get }
    var stepIndex: Int? { get set }
}

extension StepCursor {
    /// Where `t` sits in the schedule; a repeated timestep maps to its second occurrence (diffusers).
    func index(of t: Float) throws -> Int {
        let hits = timesteps.indices.filter { timesteps[$0] == t }
        guard let first = hits.first else {
            throw DiffusionError.invalidArgument("timestep", "expected one of the sampler's timesteps, got \(t)")
        }
        return hits.count > 1 ? hits[1] : first
    }

    /// The current step index, initialised from `timestep` on the first call after setTimesteps.
    mutating func current(_ timestep: Float, name: String) throws -> Int {
        guard !timesteps.isEmpty else { throw SamplerMath.notReady(name) }
        if let i = stepIndex { return i }
        let i = try index(of: timestep)
        stepIndex = i
        return i
    }

    /// Moves the cursor past the current step.
    mutating func advance() { stepIndex = (stepIndex ?? 0) + 1 }

    /// Guards a step index against running past the schedule.
    func checkInRange(_ i: Int, name: String) throws {
        guard i + 1 < sigmas.count else {
            throw DiffusionError.invalidArgument(
                "timestep", "\(name): all \(timesteps.count) steps are done; call setTimesteps(_:) to start a new run")
        }
    }
}
