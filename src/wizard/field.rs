//! A one-line text field that owns its keys, its cursor and its validation.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

#[derive(Clone, Default, PartialEq, Eq)]
pub struct TextField {
    pub label: &'static str,
    pub value: String,
    /// Cursor position in characters.
    pub cursor: usize,
    /// Shown as bullets, never echoed.
    pub masked: bool,
}

/// A masked field (the password) shows its length only, so no `{:?}` of the draft, an
/// effect or a panic message can carry it.
impl std::fmt::Debug for TextField {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut d = f.debug_struct("TextField");
        d.field("label", &self.label);
        if self.masked {
            d.field("value", &format_args!("<{} characters, masked>", self.value.chars().count()));
        } else {
            d.field("value", &self.value);
        }
        d.field("cursor", &self.cursor).finish()
    }
}

impl TextField {
    pub fn new(label: &'static str) -> Self {
        TextField { label, ..Default::default() }
    }

    pub fn masked(label: &'static str) -> Self {
        TextField { label, masked: true, ..Default::default() }
    }

    pub fn with(mut self, value: &str) -> Self {
        self.set(value);
        self
    }

    pub fn set(&mut self, value: &str) {
        self.value = value.to_string();
        self.cursor = self.value.chars().count();
    }

    fn byte_at(&self, chars: usize) -> usize {
        self.value.char_indices().nth(chars).map(|(i, _)| i).unwrap_or(self.value.len())
    }

    /// Handles an editing key; returns false for keys the field does not use.
    pub fn key(&mut self, k: KeyEvent) -> bool {
        let len = self.value.chars().count();
        match k.code {
            KeyCode::Char(c) if !k.modifiers.intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) => {
                let at = self.byte_at(self.cursor);
                self.value.insert(at, c);
                self.cursor += 1;
            }
            KeyCode::Char('u') if k.modifiers.contains(KeyModifiers::CONTROL) => {
                self.value.clear();
                self.cursor = 0;
            }
            KeyCode::Backspace if self.cursor > 0 => {
                let at = self.byte_at(self.cursor - 1);
                self.value.remove(at);
                self.cursor -= 1;
            }
            KeyCode::Delete if self.cursor < len => {
                let at = self.byte_at(self.cursor);
                self.value.remove(at);
            }
            KeyCode::Left => self.cursor = self.cursor.saturating_sub(1),
            KeyCode::Right => self.cursor = (self.cursor + 1).min(len),
            KeyCode::Home => self.cursor = 0,
            KeyCode::End => self.cursor = len,
            KeyCode::Backspace | KeyCode::Delete => {}
            _ => return false,
        }
        true
    }

    /// What the screen shows: the value, or bullets for a masked field.
    pub fn shown(&self) -> String {
        if self.masked { "•".repeat(self.value.chars().count()) } else { self.value.clone() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_masked_value_stays_out_of_debug_output() {
        let pw = TextField::masked("Password").with("Hunter-2-secret");
        let shown = format!("{pw:?}");
        assert!(!shown.contains("Hunter-2-secret") && shown.contains("15 characters"), "{shown}");
        let mut draft = crate::wizard::Draft::default();
        draft.password.set("Hunter-2-secret");
        assert!(!format!("{draft:?}").contains("Hunter-2-secret"));
        assert!(format!("{:?}", TextField::new("User").with("admin")).contains("admin"));
    }

    fn k(c: KeyCode) -> KeyEvent {
        KeyEvent::new(c, KeyModifiers::NONE)
    }

    #[test]
    fn edits_in_the_middle_and_masks() {
        let mut f = TextField::new("x").with("ac");
        f.key(k(KeyCode::Left));
        f.key(k(KeyCode::Char('b')));
        assert_eq!(f.value, "abc");
        f.key(k(KeyCode::Home));
        f.key(k(KeyCode::Delete));
        assert_eq!(f.value, "bc");
        f.key(k(KeyCode::End));
        f.key(k(KeyCode::Backspace));
        assert_eq!((f.value.as_str(), f.cursor), ("b", 1));
        let mut p = TextField::masked("pw").with("sécret");
        assert_eq!(p.shown(), "••••••");
        assert!(!p.key(k(KeyCode::Enter)));
        p.key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL));
        assert!(p.value.is_empty());
    }
}
