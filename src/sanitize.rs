//! Text that came from outside (an instance's error message, a record name, a provider's
//! `error_description`, a claim in an id_token) made safe to print or draw.
//!
//! A terminal obeys escape sequences wherever they appear, so a record named
//! `ESC ] 0 ; … BEL` would retitle the window and `ESC [ 2 J` would clear the screen.
//! Control characters (C0, DEL, C1) and the bidirectional overrides that reorder what a
//! line seems to say are shown as `\u{..}` escapes instead; nothing else changes.

/// Characters that reorder text on screen (Unicode bidi embeddings, overrides, isolates).
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

fn unsafe_char(c: char, keep_newlines: bool) -> bool {
    (c.is_control() && !(keep_newlines && c == '\n')) || is_bidi_control(c)
}

fn clean(s: &str, keep_newlines: bool) -> String {
    if !s.chars().any(|c| unsafe_char(c, keep_newlines)) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if unsafe_char(c, keep_newlines) {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    out
}

/// One line of outside text: every control character, line breaks included, escaped.
pub fn line(s: &str) -> String {
    clean(s, false)
}

/// Outside text that may span lines: line breaks kept, every other control escaped.
pub fn text(s: &str) -> String {
    clean(s, true)
}

/// Like [`line`], cut to at most `max` characters (an instance may send megabytes of detail).
pub fn line_clipped(s: &str, max: usize) -> String {
    let cleaned = line(s);
    if cleaned.chars().count() <= max {
        return cleaned;
    }
    let mut cut: String = cleaned.chars().take(max).collect();
    cut.push_str(" [...]");
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_reach_the_screen_only_as_text() {
        let title = "a\u{1b}]0;owned\u{7}b\u{1b}[2Jc\u{9b}d\u{202e}e";
        let shown = line(title);
        assert!(!shown.chars().any(|c| c.is_control() || is_bidi_control(c)), "{shown:?}");
        assert_eq!(shown, "a\\u{1b}]0;owned\\u{7}b\\u{1b}[2Jc\\u{9b}d\\u{202e}e");
        assert_eq!(line("two\nlines"), "two\\u{a}lines");
        assert_eq!(text("two\nlines\r"), "two\nlines\\u{d}");
        assert_eq!(line("Contoso Räume ✓"), "Contoso Räume ✓");
    }

    #[test]
    fn long_text_is_clipped() {
        let s = "x".repeat(5000);
        let c = line_clipped(&s, 100);
        assert!(c.len() < 120 && c.ends_with("[...]"), "{c}");
        assert_eq!(line_clipped("short", 100), "short");
    }
}
