//! Constrained greedy decoding. A caller's `TokenConstraint` says whether a token
//! may follow the text generated so far; the decoder then emits the highest-logit
//! token the constraint allows, which is what masking the logits before the greedy
//! pick would give. The constraint sees bytes, because a byte-level BPE token can
//! hold part of a UTF-8 character.

use candle_core::Tensor;

/// Whether `piece` (a token's bytes) may follow `generated` (the bytes decoded so
/// far in this answer). Stop tokens are never asked about: decoding may always end.
pub trait TokenConstraint: Send + Sync {
    fn allows(&self, generated: &[u8], piece: &[u8]) -> bool;
}

/// How many of the best-scored tokens are tried when the greedy one is refused;
/// if none of them is allowed the greedy token stands and the guard judges the SQL.
pub const CANDIDATES: usize = 64;

/// GPT-2's byte ↔ printable-character table, inverted: the vocabulary stores each
/// byte as one of these characters.
fn unicode_to_byte() -> std::collections::HashMap<char, u8> {
    let mut bytes: Vec<u32> = (b'!' as u32..=b'~' as u32).chain(0xA1..=0xAC).chain(0xAE..=0xFF).collect();
    let mut chars = bytes.clone();
    let mut n = 0;
    for b in 0..256u32 {
        if !bytes.contains(&b) {
            bytes.push(b);
            chars.push(256 + n);
            n += 1;
        }
    }
    bytes.iter().zip(&chars).filter_map(|(&b, &c)| char::from_u32(c).map(|c| (c, b as u8))).collect()
}

/// Each token id's bytes, read off a byte-level vocabulary (`tokens[id]`). Special
/// tokens such as `<|im_end|>` are not byte-encoded and get their text as bytes.
pub fn token_bytes(tokens: &[String]) -> Vec<Vec<u8>> {
    let table = unicode_to_byte();
    tokens
        .iter()
        .map(|t| t.chars().map(|c| table.get(&c).copied()).collect::<Option<Vec<u8>>>().unwrap_or_else(|| t.as_bytes().to_vec()))
        .collect()
}

/// The pick at one position: the greedy token if allowed, else the best allowed one
/// among the `CANDIDATES` best-scored. Returns the token and whether it differs from
/// the greedy one.
pub(crate) fn constrained_pick(
    greedy: u32,
    logits: &Tensor,
    generated: &[u8],
    pieces: &[Vec<u8>],
    is_stop: impl Fn(u32) -> bool,
    c: &dyn TokenConstraint,
) -> candle_core::Result<(u32, bool)> {
    let ok = |id: u32| is_stop(id) || pieces.get(id as usize).is_some_and(|p| c.allows(generated, p));
    if ok(greedy) {
        return Ok((greedy, false));
    }
    let scores: Vec<f32> = logits.to_dtype(candle_core::DType::F32)?.to_vec1()?;
    let mut ids: Vec<u32> = (0..scores.len() as u32).collect();
    let k = CANDIDATES.min(ids.len());
    let by_score = |a: &u32, b: &u32| scores[*b as usize].total_cmp(&scores[*a as usize]);
    if k < ids.len() {
        ids.select_nth_unstable_by(k, by_score);
        ids.truncate(k);
    }
    ids.sort_by(by_score);
    Ok(ids.into_iter().find(|&id| ok(id)).map(|id| (id, true)).unwrap_or((greedy, false)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_table_covers_every_byte_once() {
        let t = unicode_to_byte();
        assert_eq!(t.len(), 256);
        let mut seen: Vec<u8> = t.values().copied().collect();
        seen.sort();
        seen.dedup();
        assert_eq!(seen.len(), 256);
        // 'Ġ' (U+0120) is the space byte in GPT-2's table.
        assert_eq!(t[&'\u{120}'], b' ');
        assert_eq!(t[&'a'], b'a');
    }

    #[test]
    fn token_bytes_decode_byte_level_pieces() {
        // 「营」 is E8 90 A5: byte-level characters è (E8), U+0150 (0x90), ¥ (A5).
        let table = unicode_to_byte();
        let inv: std::collections::HashMap<u8, char> = table.iter().map(|(c, b)| (*b, *c)).collect();
        let piece: String = "营".bytes().map(|b| inv[&b]).collect();
        let out = token_bytes(&[piece, "Ġselect".into(), "<|im_end|>".into()]);
        assert_eq!(out[0], "营".as_bytes());
        assert_eq!(out[1], b" select");
        assert_eq!(out[2], b"<|im_end|>");
    }

    struct NoDigits;
    impl TokenConstraint for NoDigits {
        fn allows(&self, _: &[u8], piece: &[u8]) -> bool {
            !piece.iter().any(u8::is_ascii_digit)
        }
    }

    #[test]
    fn the_best_allowed_token_replaces_a_refused_greedy_one() {
        let pieces: Vec<Vec<u8>> = vec![b"1".to_vec(), b"a".to_vec(), b"b".to_vec(), b"2".to_vec()];
        let logits = Tensor::new(&[5.0f32, 1.0, 3.0, 4.0], &candle_core::Device::Cpu).unwrap();
        assert_eq!(constrained_pick(0, &logits, b"", &pieces, |_| false, &NoDigits).unwrap(), (2, true));
        assert_eq!(constrained_pick(2, &logits, b"", &pieces, |_| false, &NoDigits).unwrap(), (2, false));
        // A stop token is always allowed.
        assert_eq!(constrained_pick(0, &logits, b"", &pieces, |id| id == 3, &NoDigits).unwrap(), (3, true));
    }
}
