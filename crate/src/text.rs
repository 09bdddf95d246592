//! Text encodings: BOM detection, the UTF-8 / Windows-1252 choice, UTF-16 transcoding, and
//! decoding of single fields. The CSV parser always sees an ASCII-compatible byte stream:
//! UTF-8 and Windows-1252 pass through untouched (delimiters and quotes are ASCII in both,
//! so only text fields need decoding), UTF-16 is transcoded to UTF-8 on the way in.

use crate::options::Encoding;
use std::borrow::Cow;

/// How many bytes are held back to choose the encoding and sniff the dialect.
pub const SNIFF_BYTES: usize = 64 * 1024;

/// The encoding a byte-order mark announces, and the mark's length.
pub fn detect_bom(b: &[u8]) -> Option<(Encoding, usize)> {
    let (enc, len) = encoding_rs::Encoding::for_bom(b)?;
    let enc = if enc == encoding_rs::UTF_8 {
        Encoding::Utf8
    } else if enc == encoding_rs::UTF_16LE {
        Encoding::Utf16Le
    } else {
        Encoding::Utf16Be
    };
    Some((enc, len))
}

/// Whether `b` is UTF-8, forgiving a character cut at the end when more input follows.
pub fn is_utf8(b: &[u8], last: bool) -> bool {
    match std::str::from_utf8(b) {
        Ok(_) => true,
        Err(e) => !last && e.error_len().is_none(),
    }
}

/// Decodes one field of the (already transcoded) stream. `None` for invalid UTF-8.
pub fn decode_field(b: &[u8], enc: Encoding) -> Option<Cow<'_, str>> {
    match enc {
        Encoding::Windows1252 => Some(encoding_rs::WINDOWS_1252.decode_without_bom_handling(b).0),
        _ => std::str::from_utf8(b).ok().map(Cow::Borrowed),
    }
}

/// Where [`Front::push`] left the text for the parser.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pushed {
    /// Held back: the sniff sample is not complete yet.
    Held,
    /// The chunk itself is the text (UTF-8 or Windows-1252 after the start).
    AsIs,
    /// The text is in the front's own buffer (the sample, or transcoded UTF-16).
    Converted,
}

/// The front of the pipeline: holds the first [`SNIFF_BYTES`] back to choose the encoding,
/// strips a BOM, and hands on ASCII-compatible text chunk by chunk.
///
/// The encoding and the dialect are judged on exactly the first [`SNIFF_BYTES`] of the
/// input (or all of it, when shorter), however it was chunked: a sample of whatever had
/// arrived (64 KiB and some, or the CLI's first 1 MiB read) made the same file sniff
/// differently fed in different chunks, as in the CLI and in a browser.
pub struct Front {
    forced: Option<Encoding>,
    held: Vec<u8>,
    started: bool,
    utf16: Option<encoding_rs::Decoder>,
    out: Vec<u8>,
    pub encoding: Encoding,
    pub bom: bool,
    /// Bytes of text (after the BOM and transcoding) that the sample became.
    sample: usize,
    /// Whether the sample is the whole input.
    complete: bool,
}

impl Front {
    pub fn new(forced: Option<Encoding>) -> Front {
        Front {
            forced,
            held: Vec::new(),
            started: false,
            utf16: None,
            out: Vec::new(),
            encoding: forced.unwrap_or(Encoding::Utf8),
            bom: false,
            sample: 0,
            complete: false,
        }
    }

    /// Whether the encoding has been chosen and text flows.
    pub fn started(&self) -> bool {
        self.started
    }

    /// Takes the next raw chunk (`last` for the end of input). Where the text for the parser
    /// is depends on the answer: see [`Front::text`].
    pub fn push(&mut self, chunk: &[u8], last: bool) -> Pushed {
        if !self.started {
            self.held.extend_from_slice(chunk);
            // Past the sample, not at it: an input of exactly the sample's length is only
            // known to be complete at its end.
            if self.held.len() <= SNIFF_BYTES && !last {
                return Pushed::Held;
            }
            self.complete = self.held.len() <= SNIFF_BYTES;
            self.start();
            self.out.clear();
            let held = std::mem::take(&mut self.held);
            let skip = if self.bom {
                detect_bom(&held).map_or(0, |(_, n)| n)
            } else {
                0
            };
            let cut = held.len().min(SNIFF_BYTES).max(skip);
            self.transcode(&held[skip..cut], last && self.complete);
            self.sample = self.out.len();
            if !self.complete {
                self.transcode(&held[cut..], last);
            }
            return Pushed::Converted;
        }
        if self.utf16.is_none() {
            return Pushed::AsIs;
        }
        self.out.clear();
        self.transcode(chunk, last);
        Pushed::Converted
    }

    /// The parser's text after a [`Front::push`] of `chunk`.
    pub fn text<'a>(&'a self, pushed: Pushed, chunk: &'a [u8]) -> &'a [u8] {
        match pushed {
            Pushed::Held => &[],
            Pushed::AsIs => chunk,
            Pushed::Converted => &self.out,
        }
    }

    /// The text of the sample, at the start of the text of the push that completed it, and
    /// whether it is the whole input.
    pub fn sample<'a>(&self, text: &'a [u8]) -> (&'a [u8], bool) {
        (&text[..self.sample.min(text.len())], self.complete)
    }

    fn start(&mut self) {
        self.started = true;
        let sample = &self.held[..self.held.len().min(SNIFF_BYTES)];
        let bom = detect_bom(sample);
        self.encoding = match (self.forced, bom) {
            (Some(f), Some((b, _))) => {
                self.bom = f == b;
                f
            }
            (Some(f), None) => f,
            (None, Some((b, _))) => {
                self.bom = true;
                b
            }
            (None, None) if is_utf8(sample, self.complete) => Encoding::Utf8,
            (None, None) => Encoding::Windows1252,
        };
        self.utf16 = match self.encoding {
            Encoding::Utf16Le => Some(encoding_rs::UTF_16LE.new_decoder_without_bom_handling()),
            Encoding::Utf16Be => Some(encoding_rs::UTF_16BE.new_decoder_without_bom_handling()),
            _ => None,
        };
    }

    fn transcode(&mut self, src: &[u8], last: bool) {
        let Some(dec) = self.utf16.as_mut() else {
            self.out.extend_from_slice(src);
            return;
        };
        let mut src = src;
        loop {
            let need = dec
                .max_utf8_buffer_length(src.len())
                .unwrap_or(src.len() * 3 + 16);
            let start = self.out.len();
            self.out.resize(start + need, 0);
            // Unpaired surrogates become U+FFFD, as every browser does.
            let (res, read, written, _) = dec.decode_to_utf8(src, &mut self.out[start..], last);
            self.out.truncate(start + written);
            src = &src[read..];
            if res == encoding_rs::CoderResult::InputEmpty {
                break;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(chunks: &[&[u8]], forced: Option<Encoding>) -> (Vec<u8>, Encoding, bool) {
        let mut f = Front::new(forced);
        let mut out = Vec::new();
        for (i, c) in chunks.iter().enumerate() {
            let p = f.push(c, i + 1 == chunks.len());
            out.extend_from_slice(f.text(p, c));
        }
        (out, f.encoding, f.bom)
    }

    #[test]
    fn utf8_bom_is_stripped() {
        let (out, enc, bom) = run(&[b"\xef\xbb", b"\xbfa,b\n"], None);
        assert_eq!(
            (out.as_slice(), enc, bom),
            (&b"a,b\n"[..], Encoding::Utf8, true)
        );
    }

    #[test]
    fn utf16_is_transcoded_across_cuts() {
        let text: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain("é,€\n".encode_utf16().flat_map(|u| u.to_le_bytes()))
            .collect();
        let parts: Vec<&[u8]> = text.chunks(1).collect();
        let (out, enc, _) = run(&parts, None);
        assert_eq!(
            (std::str::from_utf8(&out).unwrap(), enc),
            ("é,€\n", Encoding::Utf16Le)
        );
    }

    #[test]
    fn invalid_utf8_means_windows_1252() {
        let (out, enc, _) = run(&[b"caf\xe9\n"], None);
        assert_eq!(enc, Encoding::Windows1252);
        assert_eq!(decode_field(&out[..4], enc).unwrap(), "café");
    }

    #[test]
    fn a_character_cut_at_the_sample_end_is_still_utf8() {
        assert!(is_utf8("é".as_bytes().split_at(1).0, false));
        assert!(!is_utf8("é".as_bytes().split_at(1).0, true));
    }
}
