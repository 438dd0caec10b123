//! Drawing: the frame around every step (title, step indicator, key help), the overlays
//! (error panel, help, quit confirmation), and the small pieces steps share. Reads `App`
//! and nothing else.

use super::field::TextField;
use super::{App, steps};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 24;
const SPINNER: [&str; 4] = ["|", "/", "-", "\\"];

/// Styles that respect NO_COLOR: without colour, emphasis comes from bold and reverse.
pub struct Theme {
    pub color: bool,
}

impl Theme {
    pub fn accent(&self) -> Style {
        if self.color { Style::default().fg(Color::Cyan) } else { Style::default().add_modifier(Modifier::BOLD) }
    }
    pub fn ok(&self) -> Style {
        if self.color { Style::default().fg(Color::Green) } else { Style::default() }
    }
    pub fn bad(&self) -> Style {
        if self.color { Style::default().fg(Color::Red) } else { Style::default().add_modifier(Modifier::BOLD) }
    }
    pub fn warn(&self) -> Style {
        if self.color { Style::default().fg(Color::Yellow) } else { Style::default() }
    }
    pub fn dim(&self) -> Style {
        if self.color { Style::default().fg(Color::DarkGray) } else { Style::default() }
    }
    pub fn selected(&self) -> Style {
        Style::default().add_modifier(Modifier::REVERSED)
    }
}

pub fn theme(app: &App) -> Theme {
    Theme { color: app.color }
}

pub fn draw(app: &App, f: &mut Frame) {
    let area = f.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        let msg = format!(
            "calsync needs a terminal of at least {MIN_WIDTH}x{MIN_HEIGHT}; this one is {}x{}. Enlarge it, or press Ctrl-C to quit.",
            area.width, area.height
        );
        f.render_widget(Paragraph::new(msg).wrap(Wrap { trim: true }), area);
        return;
    }
    let t = theme(app);
    let a = areas(app, area);
    if let Some(u) = steps::token::waiting_url(app) {
        let chars: Vec<char> = u.chars().collect();
        let rows: Vec<Line> =
            chars.chunks(area.width.max(1) as usize).map(|c| Line::from(c.iter().collect::<String>())).collect();
        f.render_widget(Paragraph::new(rows), a.below);
    }
    let (n, total) = app.position();
    let sandbox = if app.sandbox { " · sandbox " } else { " " };
    let journey = match (app.step(), app.journey) {
        (super::Step::Picker, _) => String::new(),
        (super::Step::Mode, super::Journey::Setup) => "· Setup".to_string(),
        (_, super::Journey::Setup) => format!("· Setup · {}", app.draft.choice.short()),
        (_, super::Journey::Reauth) => "· Re-authorize".to_string(),
        (_, super::Journey::Troubleshoot) => "· Troubleshoot".to_string(),
    };
    let mut block = Block::default().borders(Borders::ALL).title(Line::from(vec![
        Span::styled(" calsync ", t.accent()),
        Span::raw(match format!("{journey}{sandbox}").trim() {
            "" => String::new(),
            text => format!("{text} "),
        }),
    ]));
    if app.step() != super::Step::Picker {
        block = block.title(Line::from(format!(" Step {n} of {total} ")).right_aligned());
    }
    f.render_widget(block, a.body);
    let (heading, content, status, help) = (a.heading, a.content, a.status, a.help);
    f.render_widget(Paragraph::new(Span::styled(app.step().title(), t.accent().add_modifier(Modifier::BOLD))), heading);
    steps::render(app, f, content);
    let status_line = match (&app.busy, &app.notice) {
        (Some(b), _) => Line::from(vec![
            Span::styled(SPINNER[(app.ticks % 4) as usize], t.accent()),
            Span::raw(format!(" {}... (Esc cancels)", b.label())),
        ]),
        (None, Some(n)) => Line::from(Span::styled(n.clone(), t.ok())),
        _ => Line::default(),
    };
    f.render_widget(Paragraph::new(status_line).wrap(Wrap { trim: false }), status);
    f.render_widget(Paragraph::new(Span::styled(steps::keys_help(app), t.dim())), help);

    if let Some(e) = &app.error {
        let retry = if e.retry { "Enter retries · Esc closes" } else { "Enter or Esc closes" };
        overlay(f, area, &e.title, &format!("{}\n\n{retry}", e.message), t.bad());
    } else if app.confirm_quit {
        overlay(
            f,
            area,
            "Quit?",
            "The reviewed changes were not applied. Quit anyway? y quits, any other key stays.",
            t.warn(),
        );
    } else if app.help {
        overlay(f, area, "Keys", HELP, t.accent());
    }
}

/// Where each part of the frame goes in `area`.
struct Areas {
    body: Rect,
    below: Rect,
    help: Rect,
    heading: Rect,
    content: Rect,
    status: Rect,
}

fn areas(app: &App, area: Rect) -> Areas {
    // The sign-in address goes under the box, at the left edge, cut only where a row ends,
    // so that it can be selected and copied without any border in it.
    let url = steps::token::waiting_url(app);
    let url_rows = url.map_or(0, |u| (u.chars().count() as u16).div_ceil(area.width.max(1)).min(area.height / 3));
    let [body, below, help] =
        Layout::vertical([Constraint::Min(1), Constraint::Length(url_rows), Constraint::Length(1)]).areas(area);
    // Borders on all sides take one cell each; the content keeps one column clear of them.
    let inner = Block::default().borders(Borders::ALL).inner(body);
    let padded = inner.inner(ratatui::layout::Margin { horizontal: 1, vertical: 0 });
    // A notice wraps (up to 4 rows) rather than losing its end at the edge.
    let status_h = match (&app.busy, &app.notice) {
        (None, Some(n)) => wrapped_height(&[Line::from(n.as_str())], padded.width).clamp(1, 4),
        _ => 1,
    };
    let [heading, _, content, status] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(status_h),
    ])
    .areas(padded);
    Areas { body, below, help, heading, content, status }
}

/// The area a step draws in, in a terminal of the size `app` last saw: what a step that
/// scrolls needs to know how far down it can go.
pub fn content_area(app: &App) -> Rect {
    let (w, h) = app.size;
    areas(app, Rect::new(0, 0, w, h)).content
}

const HELP: &str = "Enter       continue, or go to the field that needs fixing\n\
Tab         next field          Shift-Tab   previous field\n\
Up/Down     move in a list      Esc         back, or cancel a request\n\
Ctrl-U      clear the field     F2          next Graph cloud\n\
F1 or ?     this help           Ctrl-C      quit (asks if unapplied)\n\n\
Nothing is written to the instance before Review is confirmed.\n\
Any key closes this help.";

fn overlay(f: &mut Frame, area: Rect, title: &str, text: &str, style: Style) {
    let w = area.width.saturating_sub(8).min(76);
    let lines = text.lines().map(|l| (l.chars().count() as u16 / w.saturating_sub(4).max(1)) + 1).sum::<u16>();
    let h = (lines + 2).min(area.height.saturating_sub(2));
    let r =
        Rect { x: area.x + (area.width - w) / 2, y: area.y + (area.height.saturating_sub(h)) / 2, width: w, height: h };
    f.render_widget(Clear, r);
    let block =
        Block::default().borders(Borders::ALL).border_style(style).title(Span::styled(format!(" {title} "), style));
    f.render_widget(Paragraph::new(text.to_string()).wrap(Wrap { trim: false }).block(block), r);
}

const LABEL_W: u16 = 16;

/// Rows a field takes in an area `width` wide: its line, and its message wrapped under it
/// (at least one row, so fields keep their places while the message comes and goes).
pub fn field_height(below: Option<&(String, bool)>, width: u16) -> u16 {
    let text = below.map(|(t, _)| t.as_str()).unwrap_or_default();
    1 + wrapped_height(&[Line::from(text)], width.saturating_sub(LABEL_W)).max(1)
}

/// One form field: "Label   value", the cursor when focused, and under it the validation
/// message or a hint, wrapped over as many rows as `area` has below the field's line.
pub fn field(
    f: &mut Frame,
    area: Rect,
    app: &App,
    fld: &TextField,
    focused: bool,
    below: Option<(String, bool)>,
) -> u16 {
    let t = theme(app);
    let label_w = LABEL_W;
    let shown = fld.shown();
    let value_style = if focused { t.selected() } else { Style::default() };
    let line = Line::from(vec![
        Span::styled(
            format!("{:<w$}", fld.label, w = label_w as usize),
            if focused { t.accent() } else { Style::default() },
        ),
        Span::styled(format!("{shown} "), value_style),
    ]);
    if area.height == 0 {
        return 0;
    }
    f.render_widget(Paragraph::new(line), Rect { height: 1, ..area });
    if focused {
        let x = area.x + label_w + fld.cursor.min(area.width as usize) as u16;
        f.set_cursor_position(Position { x: x.min(area.x + area.width.saturating_sub(1)), y: area.y });
    }
    if let Some((text, bad)) = below
        && area.height > 1
    {
        let style = if bad { t.bad() } else { t.dim() };
        let width = area.width.saturating_sub(label_w);
        let height = wrapped_height(&[Line::from(text.as_str())], width).max(1).min(area.height - 1);
        let r = Rect { x: area.x + label_w, y: area.y + 1, width, height };
        f.render_widget(Paragraph::new(Span::styled(text, style)).wrap(Wrap { trim: false }), r);
        return 1 + height;
    }
    2
}

/// A paragraph of plain text that wraps.
pub fn text(f: &mut Frame, area: Rect, lines: Vec<Line<'static>>) {
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), area);
}

/// Splits the content area into rows of the given heights, from the top.
pub fn rows(area: Rect, heights: &[u16]) -> Vec<Rect> {
    let mut out = vec![];
    let mut y = area.y;
    for h in heights {
        let h = (*h).min(area.y + area.height - y.min(area.y + area.height));
        out.push(Rect { x: area.x, y, width: area.width, height: h });
        y = (y + h).min(area.y + area.height);
    }
    out
}

/// Rows `lines` take when word-wrapped at `width`, as Paragraph's word wrapping lays them
/// out: words move whole to the next row, a word longer than a row is cut.
pub fn wrapped_height(lines: &[Line], width: u16) -> u16 {
    let w = width.max(1) as usize;
    let rows_of = |text: &str| -> usize {
        let (mut rows, mut used) = (1usize, 0usize);
        for word in text.split(' ') {
            let n = word.chars().count();
            let need = if used == 0 { n } else { used + 1 + n };
            if need <= w {
                used = need;
            } else if n <= w {
                rows += 1;
                used = n;
            } else {
                // Cut over whole rows, counted from a fresh row (at most one row too many).
                rows += usize::from(used > 0) + n.div_ceil(w) - 1;
                used = n - (n.div_ceil(w) - 1) * w;
            }
        }
        rows
    };
    lines
        .iter()
        .map(|l| {
            let text: String = l.spans.iter().map(|s| s.content.as_ref()).collect();
            rows_of(&text) as u16
        })
        .sum()
}
