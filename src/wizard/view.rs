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
            Span::raw(format!(" {}... ({})", b.label(), app.busy_hint())),
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
        overlay(f, area, "Quit?", app.quit_question(), t.warn());
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
Ctrl-U      clear the field     F2          saved instance / cloud\n\
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

/// Plain text that wraps, each line's continuation rows hanging under its text
/// (`Para::text`).
pub fn text(f: &mut Frame, area: Rect, lines: Vec<Line<'static>>) {
    let paras: Vec<Para> = lines.into_iter().map(Para::text).collect();
    draw_rows(f, area, &layout(&paras, area.width, f.area().width), 0);
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

/// Rows `lines` take when drawn word-wrapped (`Wrap { trim: false }`) at `width`: counted by
/// the Paragraph that draws them, so a height or a scroll limit built on it is exact.
pub fn wrapped_height(lines: &[Line], width: u16) -> u16 {
    let rows = Paragraph::new(lines.to_vec()).wrap(Wrap { trim: false }).line_count(width.max(1));
    u16::try_from(rows).unwrap_or(u16::MAX)
}

/// One logical line of a step's text, before it is laid out at a width. Words wrap with a
/// hanging indent: continuation rows start `hang` columns in, so a list item's second row
/// stays under its text. A link is never broken by the wrapping: it is drawn on a row of
/// its own where it fits, and otherwise from the terminal's left edge across its whole
/// width (over the box's border), continued on the next rows the same way, so that the
/// selected rows hold the address and nothing else.
#[derive(Debug, Clone)]
pub enum Para {
    Text { line: Line<'static>, hang: usize },
    Link { url: String, indent: usize, style: Style },
}

impl Para {
    /// A line whose continuation rows hang under its text: under the second column when
    /// it starts with a label or mark set off by two spaces or more ("ok    ...",
    /// "Profile         ..."), under the text of a "- " item, two columns further in than
    /// its own leading spaces when it is indented, and flush when it is prose.
    pub fn text(line: impl Into<Line<'static>>) -> Para {
        let line = line.into();
        let text: String = line.spans.iter().map(|s| s.content.as_ref()).collect();
        Para::Text { line, hang: hang_of(&text) }
    }

    /// A line whose continuation rows start `hang` columns in (after a status mark).
    pub fn hang(line: impl Into<Line<'static>>, hang: usize) -> Para {
        Para::Text { line: line.into(), hang }
    }

    pub fn link(url: &str, indent: usize, style: Style) -> Para {
        Para::Link { url: url.to_string(), indent, style }
    }
}

/// Where the continuation rows of `text` start (see `Para::text`).
fn hang_of(text: &str) -> usize {
    let lead = text.chars().take_while(|c| *c == ' ').count();
    let rest: Vec<char> = text.chars().skip(lead).collect();
    if matches!(rest.as_slice(), ['-' | '*' | '+', ' ', c, ..] if *c != ' ') {
        return lead + 2;
    }
    let word = rest.iter().take_while(|c| **c != ' ').count();
    let gap = rest.iter().skip(word).take_while(|c| **c == ' ').count();
    // A label column: a short first word set off by at least two spaces, then more text.
    if word > 0 && gap >= 2 && word + gap <= 24 && rest.len() > word + gap {
        return lead + word + gap;
    }
    if lead > 0 { lead + 2 } else { 0 }
}

/// One row as drawn: in the step's area, or across the whole terminal width.
#[derive(Debug, Clone, PartialEq)]
pub enum Row {
    Content(Line<'static>),
    Full(Line<'static>),
}

/// The rows `paras` take in a step area `width` wide, in a terminal `full` wide.
pub fn layout(paras: &[Para], width: u16, full: u16) -> Vec<Row> {
    let (width, full) = (usize::from(width.max(1)), usize::from(full.max(width.max(1))));
    let mut out = vec![];
    for p in paras {
        match p {
            Para::Text { line, hang } => out.extend(wrap(line, width, full, *hang)),
            Para::Link { url, indent, style } => {
                let chars: Vec<char> = url.chars().collect();
                if indent + chars.len() <= width {
                    out.push(Row::Content(Line::styled(format!("{}{url}", " ".repeat(*indent)), *style)));
                } else {
                    for c in chars.chunks(full) {
                        out.push(Row::Full(Line::styled(c.iter().collect::<String>(), *style)));
                    }
                }
            }
        }
    }
    out
}

/// Draws laid-out rows in `area`, from row `scroll` on.
pub fn draw_rows(f: &mut Frame, area: Rect, rows: &[Row], scroll: u16) {
    let frame = f.area();
    for (i, row) in rows.iter().skip(usize::from(scroll)).take(usize::from(area.height)).enumerate() {
        let y = area.y + u16::try_from(i).unwrap_or(u16::MAX);
        match row {
            Row::Content(l) => f.render_widget(Paragraph::new(l.clone()), Rect { y, height: 1, ..area }),
            Row::Full(l) => {
                let r = Rect { x: frame.x, y, width: frame.width, height: 1 };
                f.render_widget(Clear, r);
                f.render_widget(Paragraph::new(l.clone()), r);
            }
        }
    }
}

/// Word-wraps one line at `width` columns; continuation rows start with `hang` spaces. A
/// word longer than a row is cut where the row ends, except an address (http:// or
/// https://), which goes on rows of its own across the whole terminal (`full` wide), as a
/// link does.
fn wrap(line: &Line<'static>, width: usize, full: usize, hang: usize) -> Vec<Row> {
    let hang = if hang + 8 > width { 0 } else { hang };
    let cells: Vec<(char, Style)> =
        line.spans.iter().flat_map(|s| s.content.chars().map(move |c| (c, s.style))).collect();
    let mut rows: Vec<Vec<(char, Style)>> = vec![vec![]];
    let mut done: Vec<Row> = vec![];
    let mut pending: Vec<(char, Style)> = vec![];
    let to_line = |r: Vec<(char, Style)>| -> Line<'static> {
        let mut spans: Vec<Span<'static>> = vec![];
        for (c, style) in r {
            match spans.last_mut() {
                Some(last) if last.style == style => last.content.to_mut().push(c),
                _ => spans.push(Span::styled(c.to_string(), style)),
            }
        }
        Line::from(spans).style(line.style)
    };
    let mut i = 0;
    while i < cells.len() {
        let space = cells[i].0 == ' ';
        let start = i;
        while i < cells.len() && (cells[i].0 == ' ') == space {
            i += 1;
        }
        let token = &cells[start..i];
        if space {
            pending.extend_from_slice(token);
            continue;
        }
        let cur = rows.last().map_or(&[][..], Vec::as_slice);
        let fresh = cur.iter().all(|(c, _)| *c == ' ');
        if fresh && !done.is_empty() {
            // A continuation row after an address starts at its hang, not a space later.
            pending.clear();
        }
        if cur.len() + pending.len() + token.len() <= width {
            let r = rows.last_mut().expect("a row");
            r.append(&mut pending);
            r.extend_from_slice(token);
            continue;
        }
        if !fresh && hang + token.len() <= width {
            pending.clear();
            let mut r = vec![(' ', Style::default()); hang];
            r.extend_from_slice(token);
            rows.push(r);
            continue;
        }
        let word: String = token.iter().map(|(c, _)| *c).collect();
        if word.starts_with("http://") || word.starts_with("https://") {
            pending.clear();
            done.extend(rows.drain(..).filter(|r| !r.iter().all(|(c, _)| *c == ' ')).map(|r| Row::Content(to_line(r))));
            for c in token.chunks(full) {
                done.push(Row::Full(to_line(c.to_vec())));
            }
            rows.push(vec![(' ', Style::default()); hang]);
            continue;
        }
        // A word no row holds is cut where rows end, starting where it stands.
        let r = rows.last_mut().expect("a row");
        if fresh {
            r.append(&mut pending);
        } else {
            pending.clear();
            r.push((' ', Style::default()));
        }
        let mut rest = token;
        let n = rest.len().min(width.saturating_sub(r.len()));
        r.extend_from_slice(&rest[..n]);
        rest = &rest[n..];
        while !rest.is_empty() {
            let mut r = vec![(' ', Style::default()); hang];
            let n = rest.len().min(width - hang);
            r.extend_from_slice(&rest[..n]);
            rest = &rest[n..];
            rows.push(r);
        }
    }
    // After an address, a row holding only the hang is not drawn.
    let tail =
        if done.is_empty() { rows } else { rows.into_iter().filter(|r| r.iter().any(|(c, _)| *c != ' ')).collect() };
    done.extend(tail.into_iter().map(|r| Row::Content(to_line(r))));
    done
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;

    /// The rows a word-wrapped Paragraph really draws `text` on, `width` wide.
    fn drawn_rows(text: &str, width: u16) -> u16 {
        let mut t = Terminal::new(TestBackend::new(width, 60)).unwrap();
        t.draw(|f| f.render_widget(Paragraph::new(text.to_string()).wrap(Wrap { trim: false }), f.area())).unwrap();
        let buf = t.backend().buffer();
        (0..60u16).rev().find(|&y| (0..width).any(|x| buf[(x, y)].symbol() != " ")).map_or(0, |y| y + 1)
    }

    #[test]
    fn wrapped_height_counts_the_rows_the_paragraph_draws() {
        let cases = [
            "the connection URL \"https://graph.microsoft.com/v1.0\" names a version: enter exactly https://graph.microsoft.com",
            "a https://dev123.service-now.com/oauth_2_0_credentials.do?sys_id=0123456789abcdef0123456789abcdef b",
            "words  with   several    spaces     between      them and a tail that wraps over the edge",
            "x abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghij y",
            "Ignored: the redirect's state does not match this sign-in (a stale or forged redirect), so it was not used",
        ];
        for text in cases {
            for width in [10u16, 17, 23, 40, 58, 76] {
                assert_eq!(
                    wrapped_height(&[Line::from(text)], width),
                    drawn_rows(text, width),
                    "{text:?} at {width} columns"
                );
            }
        }
    }

    fn texts(rows: &[Row]) -> Vec<String> {
        rows.iter()
            .map(|r| match r {
                Row::Content(l) => format!("C|{l}"),
                Row::Full(l) => format!("F|{l}"),
            })
            .collect()
    }

    #[test]
    fn continuation_rows_hang_and_links_stay_whole() {
        let paras = [
            Para::hang("done    Contoso Graph Personal: token on the instance (2 records)", 8),
            Para::text("  Contoso Graph Personal: signed in as rooms-delegate@contoso.com (Rooms Delegate)"),
            Para::link(
                "https://dev123.service-now.com/oauth_credential.do?sys_id=0123456789abcdef0123456789abcdef",
                4,
                Style::default(),
            ),
            Para::text("a prose line that wraps back to the left edge when it is long"),
        ];
        assert_eq!(
            texts(&layout(&paras, 40, 44)),
            [
                "C|done    Contoso Graph Personal: token on",
                "C|        the instance (2 records)",
                "C|  Contoso Graph Personal: signed in as",
                "C|    rooms-delegate@contoso.com (Rooms",
                "C|    Delegate)",
                "F|https://dev123.service-now.com/oauth_credent",
                "F|ial.do?sys_id=0123456789abcdef0123456789abcd",
                "F|ef",
                "C|a prose line that wraps back to the left",
                "C|edge when it is long",
            ]
        );
        // Where the link fits, it is an ordinary row with its indent.
        let wide = layout(&paras[2..3], 100, 104);
        assert_eq!(
            texts(&wide),
            ["C|    https://dev123.service-now.com/oauth_credential.do?sys_id=0123456789abcdef0123456789abcdef"]
        );
        // A word longer than a row is cut where rows end; nothing is lost.
        let cut = layout(&[Para::hang("x abcdefghijklmnopqrstuvwxyz", 2)], 10, 10);
        assert_eq!(texts(&cut), ["C|x abcdefgh", "C|  ijklmnop", "C|  qrstuvwx", "C|  yz"]);
    }

    #[test]
    fn continuation_rows_hang_under_a_label_a_mark_or_an_item() {
        assert_eq!(hang_of("  ok    Workplace Calendar Synchronization 3.4.6"), 8);
        assert_eq!(hang_of("Profile         Microsoft Exchange Online_personalAuth default profile"), 16);
        assert_eq!(hang_of("- Each user's own reservations sync with their personal token"), 2);
        assert_eq!(hang_of("              Application: Workplace Calendar Synchronization"), 16);
        assert_eq!(hang_of("  created alias Contoso_Graph_Personal"), 4);
        assert_eq!(hang_of("Prose wraps back to the left edge."), 0);
        assert_eq!(hang_of("ok    "), 0, "a label with nothing after it");
    }

    #[test]
    fn an_address_inside_a_sentence_is_not_cut() {
        let url = "http://127.0.0.1:41437/sn_wsd_rsvsync_reservable_sync_configuration.do?sys_id=e62a46e82951d2fccd9e9b2c36a2570f";
        let rows = layout(&[Para::text(format!("    Open {url} and click Activate, then press c."))], 76, 80);
        assert_eq!(
            texts(&rows),
            [
                "C|    Open".to_string(),
                format!("F|{}", &url[..80]),
                format!("F|{}", &url[80..]),
                "C|      and click Activate, then press c.".to_string(),
            ]
        );
        // Where it fits, it stays in its sentence.
        let wide = layout(&[Para::text(format!("Open {url} now"))], 120, 124);
        assert_eq!(texts(&wide), [format!("C|Open {url} now")]);
    }
}
