/// Pictures laid out in a grid (row-major, `columns` per row), each cell as large as the largest picture, on white:
/// several spectrograms in one image to compare them side by side.
extension RGBImage {
    public static func grid(_ images: [RGBImage], columns: Int, gap: Int = 8) throws -> RGBImage {
        guard !images.isEmpty else { throw AudioError.invalidArgument("images", "expected at least one picture, got none") }
        guard columns > 0 else { throw AudioError.invalidArgument("columns", "expected > 0, got \(columns)") }
        let cellW = images.map(\.width).max()!, cellH = images.map(\.height).max()!
        let cols = min(columns, images.count), rows = (images.count + cols - 1) / cols
        var out = RGBImage(width: cols * cellW + (cols - 1) * gap, height: rows * cellH + (rows - 1) * gap)
        for (k, img) in images.enumerated() {
            let x0 = (k % cols) * (cellW + gap), y0 = (k / cols) * (cellH + gap)
            for y in 0..<img.height { for x in 0..<img.width { out.set(x0 + x, y0 + y, img[x, y]) } }
        }
        return out
    }
}
