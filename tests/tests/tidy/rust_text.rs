//! Rust source as the source scans see it: the paths it names and the strings it holds,
//! read with Rust's own tokenizer (`proc-macro2`), so that comments never count, doc
//! comments are skipped, and `use std::{fs, net}` names `std::fs` and `std::net`.

use proc_macro2::{Delimiter, Spacing, TokenStream, TokenTree};

/// A path named in code: `chrono::Utc::now` is `["chrono", "Utc", "now"]`.
#[derive(Debug, PartialEq)]
pub struct Path {
    /// 1-based line of its first segment.
    pub line: usize,
    /// Its segments, a `use` group's prefix included.
    pub segments: Vec<String>,
}

/// A string literal (plain, raw, byte or C), by value.
#[derive(Debug, PartialEq)]
pub struct Str {
    /// 1-based line where it starts.
    pub line: usize,
    /// Its value, escapes resolved (bytes read as UTF-8, lossily).
    pub value: String,
}

/// What one file names and holds.
#[derive(Debug, Default)]
pub struct Tokens {
    /// Every path in code (attributes included, doc comments not), in order.
    pub paths: Vec<Path>,
    /// Every string literal outside doc comments, in order.
    pub strings: Vec<Str>,
}

/// Reads `text` as Rust tokens; an error when it does not lex.
pub fn read(text: &str) -> Result<Tokens, String> {
    let stream: TokenStream = text.parse().map_err(|e| format!("{e:?}"))?;
    let mut tokens = Tokens::default();
    walk(stream, &[], &mut tokens);
    Ok(tokens)
}

fn is_joint_colon(tree: Option<&TokenTree>) -> bool {
    matches!(tree, Some(TokenTree::Punct(p)) if p.as_char() == ':' && p.spacing() == Spacing::Joint)
}

fn is_colon(tree: Option<&TokenTree>) -> bool {
    matches!(tree, Some(TokenTree::Punct(p)) if p.as_char() == ':')
}

/// At `#` (or `#!`) followed by `[doc …]`: the number of tokens of that attribute.
fn doc_attribute_len(trees: &[TokenTree]) -> Option<usize> {
    let bang = matches!(trees.get(1), Some(TokenTree::Punct(p)) if p.as_char() == '!');
    let group = trees.get(1 + usize::from(bang))?;
    match group {
        TokenTree::Group(g) if g.delimiter() == Delimiter::Bracket => {
            let first = g.stream().into_iter().next();
            matches!(first, Some(TokenTree::Ident(i)) if i == "doc")
                .then_some(2 + usize::from(bang))
        }
        _ => None,
    }
}

/// Collects the paths and strings of `stream`; `prefix` is the path before a `use`
/// group's braces (`std` in `use std::{fs, net}`), empty elsewhere.
fn walk(stream: TokenStream, prefix: &[String], out: &mut Tokens) {
    let trees: Vec<TokenTree> = stream.into_iter().collect();
    let mut i = 0;
    while i < trees.len() {
        match &trees[i] {
            TokenTree::Punct(p) if p.as_char() == '#' => {
                i += doc_attribute_len(&trees[i..]).unwrap_or(1);
            }
            TokenTree::Ident(first) => {
                let mut segments = prefix.to_vec();
                segments.push(first.to_string());
                let mut j = i + 1;
                // `a::b::c`, then possibly `::{…}` (a use group) or `::<…>` (turbofish).
                while is_joint_colon(trees.get(j)) && is_colon(trees.get(j + 1)) {
                    match trees.get(j + 2) {
                        Some(TokenTree::Ident(next)) => {
                            segments.push(next.to_string());
                            j += 3;
                        }
                        Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Brace => {
                            walk(g.stream(), &segments, out);
                            j += 3;
                            break;
                        }
                        _ => break,
                    }
                }
                out.paths.push(Path {
                    line: first.span().start().line,
                    segments,
                });
                i = j;
            }
            TokenTree::Group(g) => {
                walk(g.stream(), &[], out);
                i += 1;
            }
            TokenTree::Literal(lit) => {
                let value = match syn::Lit::new(lit.clone()) {
                    syn::Lit::Str(s) => Some(s.value()),
                    syn::Lit::ByteStr(b) => Some(String::from_utf8_lossy(&b.value()).into()),
                    syn::Lit::CStr(c) => Some(c.value().to_string_lossy().into()),
                    _ => None,
                };
                if let Some(value) = value {
                    let line = lit.span().start().line;
                    out.strings.push(Str { line, value });
                }
                i += 1;
            }
            TokenTree::Punct(_) => i += 1,
        }
    }
}

#[test]
fn paths_strings_and_use_groups_are_read_and_comments_are_not() {
    let text = r##"//! A file.
/// Doc: std::fs and "SELECT x FROM y".
// A comment: Utc::now()
use std::{fs, io::{self, Read}};
#[cfg(test)]
fn f() -> u8 {
    /* std::net */ let _ = chrono::Utc::now();
    let _ = Vec::<u8>::new();
    let _ = r#"raw "quoted""#; let _ = '"'; b"\x41"[0]
}
"##;
    let tokens = read(text).unwrap();
    let paths: Vec<_> = tokens
        .paths
        .iter()
        .filter(|p| p.segments.len() > 1)
        .map(|p| (p.line, p.segments.join("::")))
        .collect();
    assert_eq!(
        paths,
        [
            (4, "std::fs".to_owned()),
            (4, "std::io::self".to_owned()),
            (4, "std::io::Read".to_owned()),
            (4, "std::io".to_owned()),
            (7, "chrono::Utc::now".to_owned()),
        ]
    );
    let strings: Vec<_> = tokens
        .strings
        .iter()
        .map(|s| (s.line, s.value.as_str()))
        .collect();
    assert_eq!(strings, [(9, r#"raw "quoted""#), (9, "A")]);
}
