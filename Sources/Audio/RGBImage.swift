import Tensors
import CPNG
import Foundation

/// An 8-bit RGB raster, rows top to bottom: `pixels[(y * width + x) * 3 + channel]`.
public struct RGBImage: Equatable, Sendable {
    public let width: Int
    public let height: Int
    public var pixels: [UInt8]

    /// A `width` x `height` image filled with one colour.
    public init(width: Int, height: Int, fill: (UInt8, UInt8, UInt8) = (255, 255, 255)) {
        precondition(width > 0 && height > 0, "image size \(width)x\(height) must be positive")
        self.width = width
        self.height = height
        pixels = [UInt8](repeating: 0, count: width * height * 3)
        for i in 0..<(width * height) {
            pixels[i * 3] = fill.0
            pixels[i * 3 + 1] = fill.1
            pixels[i * 3 + 2] = fill.2
        }
    }

    /// The colour at (x, y).
    public subscript(x: Int, y: Int) -> (UInt8, UInt8, UInt8) {
        let i = (y * width + x) * 3
        return (pixels[i], pixels[i + 1], pixels[i + 2])
    }

    /// Sets a pixel; coordinates outside the image are ignored, so callers can draw clipped shapes.
    public mutating func set(_ x: Int, _ y: Int, _ c: (UInt8, UInt8, UInt8)) {
        guard x >= 0, x < width, y >= 0, y < height else { return }
        let i = (y * width + x) * 3
        pixels[i] = c.0
        pixels[i + 1] = c.1
        pixels[i + 2] = c.2
    }

    /// Writes an RGB PNG through libpng's simplified API, via a temporary file and a rename.
    public func writePNG(to path: String) throws {
        try AtomicFile.write(to: path) { tmp in
            var image = png_image()
            image.version = UInt32(PNG_IMAGE_VERSION)
            image.width = UInt32(width)
            image.height = UInt32(height)
            image.format = UInt32(PNG_FORMAT_RGB)
            let ok = pixels.withUnsafeBufferPointer { png_image_write_to_file(&image, tmp, 0, $0.baseAddress, 0, nil) }
            defer { png_image_free(&image) }
            guard ok != 0 else { throw AudioError.library("libpng", "writing \(path) failed: \(Self.message(&image))") }
        }
    }

    /// Reads any PNG libpng decodes, converted to 8-bit RGB.
    public init(contentsOfPNG path: String) throws {
        guard FileManager.default.fileExists(atPath: path) else { throw AudioError.missingFile(path) }
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        guard png_image_begin_read_from_file(&image, path) != 0 else {
            defer { png_image_free(&image) }
            throw AudioError.file(path, "not a PNG (expected an image libpng reads): \(Self.message(&image))")
        }
        image.format = UInt32(PNG_FORMAT_RGB)
        let w = Int(image.width), h = Int(image.height)
        var pixels = [UInt8](repeating: 0, count: w * h * 3)
        guard pixels.withUnsafeMutableBufferPointer({ png_image_finish_read(&image, nil, $0.baseAddress, 0, nil) }) != 0 else {
            defer { png_image_free(&image) }
            throw AudioError.file(path, "corrupt PNG: \(Self.message(&image))")
        }
        width = w
        height = h
        self.pixels = pixels
    }

    /// libpng's error text, kept in a fixed char array inside png_image.
    static func message(_ image: inout png_image) -> String {
        withUnsafeBytes(of: &image.message) { raw in
            String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
    }
}
