//! Stand-ins for scanned paper: a one-page PDF and flat grey baseline JPEGs,
//! written byte by byte (no image crates needed, and the bytes never change).

/// A one-page A4 landscape PDF with a frame and a caption, as a scanner
/// that adds a text layer might produce.
pub fn pdf(caption: &str) -> Vec<u8> {
    let ascii: String = caption
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == ' ')
        .collect();
    let content = format!("q 2 w 40 40 762 515 re S Q\nBT /F1 28 Tf 260 300 Td ({ascii}) Tj ET\n");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 842 595] \
         /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>"
            .to_string(),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_string(),
        format!(
            "<< /Length {} >>\nstream\n{content}endstream",
            content.len()
        ),
    ];
    let mut out = b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n".to_vec();
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{body}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for o in offsets {
        out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

/// A baseline greyscale JPEG of one flat `grey` level (0–255), `width` ×
/// `height` pixels (multiples of 8 keep it simplest; others are padded by
/// the decoder). Every block has only a DC coefficient, so two one-symbol
/// Huffman tables suffice.
pub fn jpeg(width: u16, height: u16, grey: u8) -> Vec<u8> {
    // A flat block level-shifted to s has DCT DC 8·s; a DC quantiser of 8 stores s.
    let s = i32::from(grey) - 128;
    let category = (32 - s.unsigned_abs().leading_zeros()) as u8;
    let mut out = vec![0xFF, 0xD8];
    // APP0 JFIF 1.1, no thumbnail.
    out.extend_from_slice(&[
        0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00,
        0x01, 0x00, 0x00,
    ]);
    // DQT: table 0, 8-bit, DC 8, the rest 16 (unused: every AC is zero).
    out.extend_from_slice(&[0xFF, 0xDB, 0x00, 0x43, 0x00, 8]);
    out.extend_from_slice(&[16; 63]);
    // SOF0: 8-bit, one component with 1×1 sampling and table 0.
    out.extend_from_slice(&[0xFF, 0xC0, 0x00, 0x0B, 0x08]);
    out.extend_from_slice(&height.to_be_bytes());
    out.extend_from_slice(&width.to_be_bytes());
    out.extend_from_slice(&[0x01, 0x01, 0x11, 0x00]);
    // DHT DC 0: "0" → category 0 (no change), "10" → the first block's category.
    out.extend_from_slice(&[0xFF, 0xC4, 0x00, 0x15, 0x00, 1, 1]);
    out.extend_from_slice(&[0; 14]);
    out.extend_from_slice(&[0x00, category]);
    // DHT AC 0: "0" → end of block.
    out.extend_from_slice(&[0xFF, 0xC4, 0x00, 0x14, 0x10, 1]);
    out.extend_from_slice(&[0; 15]);
    out.push(0x00);
    // SOS: one component, tables 0/0, full spectrum.
    out.extend_from_slice(&[0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00]);

    let blocks = usize::from(width.div_ceil(8)) * usize::from(height.div_ceil(8));
    let mut bits = BitWriter::default();
    for i in 0..blocks {
        if i == 0 && category > 0 {
            bits.put(0b10, 2);
            // JPEG writes a negative value as its one's complement in `category` bits.
            let magnitude = if s < 0 { s + (1 << category) - 1 } else { s };
            bits.put(magnitude as u32, category);
        } else {
            bits.put(0, 1);
        }
        bits.put(0, 1);
    }
    out.extend(bits.finish());
    out.extend_from_slice(&[0xFF, 0xD9]);
    out
}

#[derive(Default)]
struct BitWriter {
    bytes: Vec<u8>,
    acc: u32,
    len: u8,
}

impl BitWriter {
    fn put(&mut self, value: u32, n: u8) {
        for i in (0..n).rev() {
            self.acc = (self.acc << 1) | ((value >> i) & 1);
            self.len += 1;
            if self.len == 8 {
                self.push(self.acc as u8);
                self.acc = 0;
                self.len = 0;
            }
        }
    }

    fn push(&mut self, byte: u8) {
        self.bytes.push(byte);
        // A 0xFF in entropy-coded data must be stuffed with 0x00.
        if byte == 0xFF {
            self.bytes.push(0x00);
        }
    }

    /// Pads the last byte with 1-bits, as the standard asks.
    fn finish(mut self) -> Vec<u8> {
        if self.len > 0 {
            let pad = 8 - self.len;
            let byte = ((self.acc << pad) | ((1 << pad) - 1)) as u8;
            self.push(byte);
        }
        self.bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pdf_xref_points_at_objects() {
        let bytes = pdf("BANG TOT NGHIEP");
        let tail = String::from_utf8_lossy(&bytes[bytes.len() - 40..]).to_string();
        let start: usize = tail
            .rsplit("startxref\n")
            .next()
            .and_then(|t| t.lines().next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        assert!(bytes[start..].starts_with(b"xref"));
        let table = String::from_utf8_lossy(&bytes[start..]).to_string();
        for (i, line) in table.lines().skip(3).take(5).enumerate() {
            let at: usize = line[..10].parse().unwrap_or(0);
            assert!(
                bytes[at..].starts_with(format!("{} 0 obj", i + 1).as_bytes()),
                "{line}"
            );
        }
    }

    #[test]
    fn jpeg_structure() {
        let bytes = jpeg(64, 48, 224);
        assert_eq!(&bytes[..2], &[0xFF, 0xD8]);
        assert_eq!(&bytes[bytes.len() - 2..], &[0xFF, 0xD9]);
        // SOF0 carries height then width.
        let sof = bytes
            .windows(2)
            .position(|w| w == [0xFF, 0xC0])
            .unwrap_or(0);
        assert_eq!(&bytes[sof + 5..sof + 9], &[0, 48, 0, 64]);
        assert!(bytes.len() < 250);
    }
}
