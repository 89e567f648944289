//! One module file, read once per content: compiled to JavaScript when it is TypeScript or JSX
//! (oxc: types stripped, JSX on the automatic runtime, a line map back to the source), then
//! parsed for what serving it needs: its imports and `require()`s with their byte spans, and
//! whether it is an ES module or CommonJS.
//!
//! Why no code generation for plain JavaScript: the page then runs the very text on disk, so a
//! runtime error's line and column are the file's own (WebKit applies no source maps), and only
//! the import specifiers change. Compiled files go through oxc's code generator and its map.

use super::{Language, ModuleError};
use oxc_allocator::Allocator;
use oxc_ast::ast::{
    BinaryExpression, CallExpression, ConditionalExpression, ExportAllDeclaration, ExportFromDeclaration, Expression,
    IdentifierReference, IfStatement, ImportDeclaration, ImportDeclarationSpecifier, ImportExpression,
    StaticMemberExpression,
};
use oxc_ast_visit::{walk, Visit};
use oxc_span::{SourceType, Span};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// What the page should see for `process.env.NODE_ENV`: packages (React) choose their
/// production build by it, and the browser has no `process`.
pub const NODE_ENV: &str = "production";

/// Whether the file is an ES module or CommonJS (no `import`/`export`, but `require`, `module`
/// or `exports`: UMD bundles too).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Format {
    EsModule,
    CommonJs,
}

/// How a specifier is used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ImportKind {
    /// `import … from "x"` or `import "x"`: `default`/`namespace` local names and the named
    /// imports (imported, local), which a CommonJS target gets as properties.
    Static { default: Option<String>, namespace: Option<String>, named: Vec<(String, String)> },
    /// `export { a as b } from "x"`: (local in "x", exported).
    ExportFrom { names: Vec<(String, String)> },
    /// `export * from "x"`, `export * as n from "x"`.
    ExportAll { name: Option<String> },
    /// `import("x")` with a string literal.
    Dynamic,
    /// `require("x")` in a CommonJS module.
    Require,
}

/// One import of the (compiled) code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Import {
    pub specifier: String,
    pub kind: ImportKind,
    /// The string literal's bytes, quotes included, in [`Analysis::code`].
    pub literal: (u32, u32),
    /// The whole statement's (or `import()` expression's) bytes in [`Analysis::code`].
    pub statement: (u32, u32),
    /// The 1-based line in the original file.
    pub line: u32,
}

/// Positions of compiled code mapped back to the source: (generated line, generated column,
/// source line, source column), 0-based, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineMap(pub Vec<[u32; 4]>);

impl LineMap {
    /// The source's (line, column), 1-based, of the generated 1-based `line` and `column`: the
    /// nearest mapped position at or before it on that line.
    pub fn original(&self, line: u32, column: u32) -> Option<(u32, u32)> {
        let (line, column) = (line.checked_sub(1)?, column.saturating_sub(1));
        let at = self.0.partition_point(|t| (t[0], t[1]) <= (line, column));
        let before = at.checked_sub(1).and_then(|i| self.0.get(i)).filter(|t| t[0] == line);
        let t = before.or_else(|| self.0.get(at).filter(|t| t[0] == line))?;
        // Within a mapped token, the column moves on with the generated one.
        Some((t[2] + 1, t[3] + 1 + column.saturating_sub(t[1])))
    }
}

/// What [`analyze`] finds in a file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Analysis {
    pub format: Format,
    /// The compiled code; `None` when the page runs the file's own text.
    pub code: Option<String>,
    pub imports: Vec<Import>,
    /// Spans of `process.env.NODE_ENV` in the code (replaced by [`NODE_ENV`] as a string).
    pub node_env: Vec<(u32, u32)>,
    /// The compiled code's positions in the source (compiled files only).
    pub map: Option<LineMap>,
}

/// Compiles (if `language` needs it) and reads `source`. `file`: the name errors give;
/// `jsx_import_source`: the automatic runtime's package (`react`).
pub fn analyze(source: &str, language: Language, file: &str, jsx_import_source: &str) -> Result<Analysis, ModuleError> {
    let (code, map) = if language.compiled() {
        let (code, map) = compile(source, language, file, jsx_import_source)?;
        (Some(code), Some(map))
    } else {
        (None, None)
    };
    let text = code.as_deref().unwrap_or(source);
    let mut analysis = scan(text, file, source_for_errors(language, source))?;
    if let Some(map) = &map {
        for import in &mut analysis.imports {
            import.line = map.original(import.line, 1).map_or(import.line, |(l, _)| l);
        }
    }
    analysis.code = code;
    analysis.map = map;
    Ok(analysis)
}

fn source_for_errors(language: Language, source: &str) -> Option<&str> {
    (!language.compiled()).then_some(source)
}

/// TypeScript/JSX → JavaScript with oxc, and the line map. No type checking (as esbuild).
fn compile(
    source: &str,
    language: Language,
    file: &str,
    jsx_import_source: &str,
) -> Result<(String, LineMap), ModuleError> {
    use oxc_codegen::{Codegen, CodegenOptions};
    use oxc_transformer::{JsxOptions, TransformOptions, Transformer};
    let allocator = Allocator::default();
    let source_type = match language {
        Language::TypeScript => SourceType::ts(),
        Language::Tsx => SourceType::tsx(),
        Language::Jsx => SourceType::jsx(),
        Language::JavaScript => SourceType::mjs(),
    }
    .with_module(true);
    let parsed = oxc_parser::Parser::new(&allocator, source, source_type).parse();
    if let Some(e) = parsed.diagnostics.errors().next() {
        return Err(syntax_error(source, file, e));
    }
    let mut program = parsed.program;
    let scoping =
        oxc_semantic::SemanticBuilder::new().with_excess_capacity(2.0).build(&program).semantic.into_scoping();
    let options = TransformOptions {
        jsx: JsxOptions { import_source: Some(jsx_import_source.to_string()), ..JsxOptions::enable() },
        ..TransformOptions::default()
    };
    let path = Path::new(file);
    let transformed = Transformer::new(&allocator, path, &options).build_with_scoping(scoping, &mut program);
    if let Some(e) = transformed.diagnostics.errors().next() {
        return Err(syntax_error(source, file, e));
    }
    let generated = Codegen::new()
        .with_options(CodegenOptions { source_map_path: Some(path.to_path_buf()), ..CodegenOptions::default() })
        .build(&program);
    let mut tokens: Vec<[u32; 4]> = generated
        .map
        .map(|m| {
            m.get_tokens().map(|t| [t.get_dst_line(), t.get_dst_col(), t.get_src_line(), t.get_src_col()]).collect()
        })
        .unwrap_or_default();
    tokens.sort_unstable();
    Ok((generated.code, LineMap(tokens)))
}

/// An oxc diagnostic at its 1-based line and column in `source`.
fn syntax_error(source: &str, file: &str, e: &oxc_diagnostics::OxcDiagnostic) -> ModuleError {
    let offset = e.labels.first().map_or(0, |l| l.offset() as usize);
    let (line, column) = line_column(source, offset);
    ModuleError::Syntax { file: file.to_string(), line, column, message: e.message.to_string() }
}

/// The 1-based line and column (in characters) of a byte offset.
pub fn line_column(text: &str, offset: usize) -> (u32, u32) {
    let before = &text.as_bytes()[..offset.min(text.len())];
    let line = before.iter().filter(|b| **b == b'\n').count() as u32 + 1;
    let line_start = before.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
    let column = String::from_utf8_lossy(&before[line_start..]).chars().count() as u32 + 1;
    (line, column)
}

/// Reads JavaScript `text` (parsed as a module first, then as a script for CommonJS that only
/// sloppy mode allows). `original`: the text errors are reported in (plain JavaScript only).
fn scan(text: &str, file: &str, original: Option<&str>) -> Result<Analysis, ModuleError> {
    let allocator = Allocator::default();
    let mut parsed = oxc_parser::Parser::new(&allocator, text, SourceType::mjs()).parse();
    if parsed.diagnostics.has_errors() {
        let script = oxc_parser::Parser::new(&allocator, text, SourceType::cjs()).parse();
        if script.diagnostics.has_errors() {
            let e = parsed.diagnostics.errors().next().cloned();
            return Err(match (e, original) {
                (Some(e), Some(src)) => syntax_error(src, file, &e),
                (Some(e), None) => syntax_error(text, file, &e),
                (None, _) => {
                    ModuleError::Syntax { file: file.into(), line: 1, column: 1, message: "unreadable".into() }
                }
            });
        }
        parsed = script;
    }
    let esm = parsed.module_record.has_module_syntax;
    let mut finder = Finder { text, esm, commonjs_names: false, imports: Vec::new(), node_env: Vec::new() };
    finder.visit_program(&parsed.program);
    let format = if !esm && finder.commonjs_names { Format::CommonJs } else { Format::EsModule };
    if format == Format::EsModule {
        finder.imports.retain(|i| i.kind != ImportKind::Require);
    }
    Ok(Analysis { format, code: None, imports: finder.imports, node_env: finder.node_env, map: None })
}

struct Finder<'t> {
    text: &'t str,
    esm: bool,
    /// Whether `require`, `module` or `exports` is referred to.
    commonjs_names: bool,
    imports: Vec<Import>,
    node_env: Vec<(u32, u32)>,
}

fn span(s: Span) -> (u32, u32) {
    (s.start, s.end)
}

fn is_node_env(e: &Expression) -> bool {
    match e.without_parentheses() {
        Expression::StaticMemberExpression(m) => {
            m.property.name == "NODE_ENV" && m.object.is_specific_member_access("process", "env")
        }
        _ => false,
    }
}

/// `process.env.NODE_ENV === "production"` (and `!==`, `==`, `!=`, either way round): its value
/// in the page, so a CommonJS package's other build is never loaded.
fn static_truth(test: &Expression) -> Option<bool> {
    let Expression::BinaryExpression(b) = test.without_parentheses() else { return None };
    let BinaryExpression { left, right, operator, .. } = &**b;
    let literal = |e: &Expression| match e.without_parentheses() {
        Expression::StringLiteral(s) => Some(s.value.to_string()),
        _ => None,
    };
    let value = match (is_node_env(left), is_node_env(right)) {
        (true, false) => literal(right)?,
        (false, true) => literal(left)?,
        _ => return None,
    };
    use oxc_syntax::operator::BinaryOperator as Op;
    match operator {
        Op::StrictEquality | Op::Equality => Some(value == NODE_ENV),
        Op::StrictInequality | Op::Inequality => Some(value != NODE_ENV),
        _ => None,
    }
}

impl Finder<'_> {
    fn push(&mut self, specifier: &str, kind: ImportKind, literal: Span, statement: Span) {
        let line = line_column(self.text, literal.start as usize).0;
        self.imports.push(Import {
            specifier: specifier.to_string(),
            kind,
            literal: span(literal),
            statement: span(statement),
            line,
        });
    }
}

impl<'a> Visit<'a> for Finder<'_> {
    fn visit_import_declaration(&mut self, it: &ImportDeclaration<'a>) {
        let (mut default, mut namespace, mut named) = (None, None, Vec::new());
        for s in it.specifiers.iter().flatten() {
            match s {
                ImportDeclarationSpecifier::ImportDefaultSpecifier(d) => default = Some(d.local.name.to_string()),
                ImportDeclarationSpecifier::ImportNamespaceSpecifier(n) => namespace = Some(n.local.name.to_string()),
                ImportDeclarationSpecifier::ImportSpecifier(s) => {
                    named.push((s.imported.name().to_string(), s.local.name.to_string()))
                }
            }
        }
        self.push(&it.source.value, ImportKind::Static { default, namespace, named }, it.source.span, it.span);
    }

    fn visit_export_from_declaration(&mut self, it: &ExportFromDeclaration<'a>) {
        let names = it.specifiers.iter().map(|s| (s.local.name().to_string(), s.exported.name().to_string())).collect();
        self.push(&it.source.value, ImportKind::ExportFrom { names }, it.source.span, it.span);
    }

    fn visit_export_all_declaration(&mut self, it: &ExportAllDeclaration<'a>) {
        let name = it.exported.as_ref().map(|n| n.name().to_string());
        self.push(&it.source.value, ImportKind::ExportAll { name }, it.source.span, it.span);
    }

    fn visit_import_expression(&mut self, it: &ImportExpression<'a>) {
        if let Expression::StringLiteral(s) = &it.source {
            self.push(&s.value, ImportKind::Dynamic, s.span, it.span);
        }
        walk::walk_import_expression(self, it);
    }

    fn visit_call_expression(&mut self, it: &CallExpression<'a>) {
        if !self.esm {
            if let Some(s) = it.common_js_require() {
                self.push(&s.value, ImportKind::Require, s.span, it.span);
            }
        }
        walk::walk_call_expression(self, it);
    }

    fn visit_static_member_expression(&mut self, it: &StaticMemberExpression<'a>) {
        if it.property.name == "NODE_ENV" && it.object.is_specific_member_access("process", "env") {
            self.node_env.push(span(it.span));
            return;
        }
        walk::walk_static_member_expression(self, it);
    }

    fn visit_identifier_reference(&mut self, it: &IdentifierReference<'a>) {
        if matches!(it.name.as_str(), "require" | "module" | "exports") {
            self.commonjs_names = true;
        }
    }

    fn visit_if_statement(&mut self, it: &IfStatement<'a>) {
        match static_truth(&it.test) {
            Some(taken) => {
                self.visit_expression(&it.test);
                if taken {
                    self.visit_statement(&it.consequent);
                } else if let Some(alt) = &it.alternate {
                    self.visit_statement(alt);
                }
            }
            None => walk::walk_if_statement(self, it),
        }
    }

    fn visit_conditional_expression(&mut self, it: &ConditionalExpression<'a>) {
        match static_truth(&it.test) {
            Some(taken) => {
                self.visit_expression(&it.test);
                self.visit_expression(if taken { &it.consequent } else { &it.alternate });
            }
            None => walk::walk_conditional_expression(self, it),
        }
    }
}
