/// Callbacks into `backward`, for code that must act on a gradient as soon as it is final rather than after the
/// whole pass (data-parallel training starts each bucket's all-reduce then, overlapping the rest of the pass).
public enum GradHooks {
    /// Called on the training thread when a leaf's gradient for the running pass has been added to its `grad`.
    nonisolated(unsafe) public static var leafGradientReady: ((Tensor) -> Void)?
}
