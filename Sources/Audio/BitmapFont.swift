/// A 5x7 pixel font covering what axis labels need: digits, '.', '-', 'k', 'H', 'z', 's' and space.
enum BitmapFont {
    static let width = 5
    static let height = 7
    /// Horizontal distance between character origins (glyph plus one blank column).
    static let advance = 6

    /// Rows top to bottom; bit 4 is the leftmost pixel.
    static let glyphs: [Character: [UInt8]] = [
        "0": [0b01110, 0b10001, 0b10011, 0b10101, 0b11001, 0b10001, 0b01110],
        "1": [0b00100, 0b01100, 0b00100, 0b00100, 0b00100, 0b00100, 0b01110],
        "2": [0b01110, 0b10001, 0b00001, 0b00010, 0b00100, 0b01000, 0b11111],
        "3": [0b11111, 0b00010, 0b00100, 0b00010, 0b00001, 0b10001, 0b01110],
        "4": [0b00010, 0b00110, 0b01010, 0b10010, 0b11111, 0b00010, 0b00010],
        "5": [0b11111, 0b10000, 0b11110, 0b00001, 0b00001, 0b10001, 0b01110],
        "6": [0b00110, 0b01000, 0b10000, 0b11110, 0b10001, 0b10001, 0b01110],
        "7": [0b11111, 0b00001, 0b00010, 0b00100, 0b01000, 0b01000, 0b01000],
        "8": [0b01110, 0b10001, 0b10001, 0b01110, 0b10001, 0b10001, 0b01110],
        "9": [0b01110, 0b10001, 0b10001, 0b01111, 0b00001, 0b00010, 0b01100],
        ".": [0b00000, 0b00000, 0b00000, 0b00000, 0b00000, 0b01100, 0b01100],
        "-": [0b00000, 0b00000, 0b00000, 0b11111, 0b00000, 0b00000, 0b00000],
        "k": [0b10000, 0b10000, 0b10010, 0b10100, 0b11000, 0b10100, 0b10010],
        "H": [0b10001, 0b10001, 0b10001, 0b11111, 0b10001, 0b10001, 0b10001],
        "z": [0b00000, 0b00000, 0b11111, 0b00010, 0b00100, 0b01000, 0b11111],
        "s": [0b00000, 0b00000, 0b01110, 0b10000, 0b01110, 0b00001, 0b11110],
        " ": [0, 0, 0, 0, 0, 0, 0],
    ]

    /// Pixel width of `text`.
    static func measure(_ text: String) -> Int {
        text.isEmpty ? 0 : text.count * advance - 1
    }

    /// Calls `plot(x, y)` for each lit pixel of `text` with its top-left corner at (x0, y0).
    /// Characters without a glyph draw as a filled box, so a missing glyph is visible, not silent.
    static func draw(_ text: String, x x0: Int, y y0: Int, _ plot: (Int, Int) -> Void) {
        for (i, ch) in text.enumerated() {
            let rows = glyphs[ch] ?? [UInt8](repeating: 0b11111, count: height)
            for (r, bits) in rows.enumerated() {
                for c in 0..<width where bits & (1 << (width - 1 - c)) != 0 {
                    plot(x0 + i * advance + c, y0 + r)
                }
            }
        }
    }
}
