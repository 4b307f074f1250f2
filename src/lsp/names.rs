//! Where each name of a policy is declared and used, read from the syntax
//! tree: what go to definition, find references, rename, hover and the
//! outline stand on.
//!
//! The walk knows the constructs that declare or use names; a construct it
//! does not know (the language grows) contributes nothing rather than
//! failing, so the features that read this index degrade to "no answer" on
//! it while everything else keeps working.

use std::borrow::Cow;
use std::collections::HashSet;

use crate::ast::{self, Span};
use crate::model::exam_key;

/// What kind of thing a name names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum NameKind {
    /// `market NAME`
    Market,
    /// `association NAME`
    Association,
    /// `attribute NAME`
    Attribute,
    /// `field NAME`: a field lines may carry.
    Field,
    /// A rung of `tiers`.
    Tier,
    /// An exam, assessment or certification of the catalog.
    Credential,
    /// `group NAME = ...`
    Group,
    /// `revenue`, `usage` or `measure NAME = ...`
    Measure,
    /// `option NAME { ... }`
    Option,
    /// A product or family of the catalogue (`product "NAME"`, `family
    /// "NAME" = ...`), or a product a measure names.
    Product,
}

impl NameKind {
    /// How messages and hovers call it.
    pub(crate) fn word(self) -> &'static str {
        match self {
            NameKind::Market => "market",
            NameKind::Association => "association",
            NameKind::Attribute => "attribute",
            NameKind::Field => "field",
            NameKind::Tier => "tier",
            NameKind::Credential => "credential",
            NameKind::Group => "group",
            NameKind::Measure => "measure",
            NameKind::Option => "option",
            NameKind::Product => "product",
        }
    }

    /// The key two spellings of a name are compared by, as the checker
    /// compares them: markets, associations and attributes ignore case,
    /// credential codes compare as the evaluator matches them, the rest as
    /// written.
    pub(crate) fn key(self, name: &str) -> Cow<'_, str> {
        match self {
            NameKind::Market | NameKind::Association | NameKind::Attribute => {
                Cow::Owned(name.to_lowercase())
            }
            NameKind::Credential => Cow::Owned(exam_key(name)),
            // As data is matched: case and surrounding spaces aside.
            NameKind::Product => Cow::Owned(name.trim().to_lowercase()),
            NameKind::Tier
            | NameKind::Group
            | NameKind::Measure
            | NameKind::Option
            | NameKind::Field => Cow::Borrowed(name),
        }
    }
}

/// One place a name is written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Occurrence {
    /// What it names.
    pub(crate) kind: NameKind,
    /// The name as written there (quotes and escapes removed).
    pub(crate) name: String,
    /// Where it is written, quotes included.
    pub(crate) span: Span,
    /// Whether it is written in quotes (a credential code).
    pub(crate) quoted: bool,
    /// Whether this is its declaration rather than a use.
    pub(crate) declaration: bool,
}

impl Occurrence {
    /// Whether `other` names the same thing.
    pub(crate) fn same_name(&self, other: &Occurrence) -> bool {
        self.kind == other.kind && self.kind.key(&self.name) == other.kind.key(&other.name)
    }
}

/// Every name written in a policy, declarations and uses, in source order.
#[derive(Clone, Debug, Default)]
pub(crate) struct NameIndex {
    /// Sorted by span start.
    occurrences: Vec<Occurrence>,
}

impl NameIndex {
    /// Indexes the names of a parsed policy.
    pub(crate) fn new(file: &ast::PolicyFile) -> Self {
        let items = &file.competency.items;
        // A bare group member is a group when one of that name is declared,
        // else a credential, as the checker resolves it.
        let groups: HashSet<&str> = items
            .iter()
            .filter_map(|item| match item {
                ast::Item::Group(g) => Some(g.name.name.as_str()),
                _ => None,
            })
            .collect();
        let mut walk = Walk::default();
        for item in items {
            walk.item(item, &groups);
        }
        let mut occurrences = walk.out;
        occurrences.sort_by_key(|o| (o.span.start, o.span.end));
        NameIndex { occurrences }
    }

    /// The occurrence at byte `offset` (its end counts, so that a cursor
    /// just after a name finds it).
    pub(crate) fn at(&self, offset: usize) -> Option<&Occurrence> {
        let i = self.occurrences.partition_point(|o| o.span.end < offset);
        self.occurrences
            .get(i..)?
            .iter()
            .take_while(|o| o.span.start <= offset)
            .find(|o| o.span.start <= offset && offset <= o.span.end)
    }

    /// The declarations of what `occurrence` names (one, unless it is
    /// declared twice; none when it is undeclared).
    pub(crate) fn declarations<'a>(
        &'a self,
        occurrence: &'a Occurrence,
    ) -> impl Iterator<Item = &'a Occurrence> + 'a {
        self.occurrences
            .iter()
            .filter(move |o| o.declaration && o.same_name(occurrence))
    }

    /// Every occurrence naming what `occurrence` names, declarations too.
    pub(crate) fn references<'a>(
        &'a self,
        occurrence: &'a Occurrence,
    ) -> impl Iterator<Item = &'a Occurrence> + 'a {
        self.occurrences
            .iter()
            .filter(move |o| o.same_name(occurrence))
    }

    /// The declared names of `kind`, each once, in source order.
    pub(crate) fn declared(&self, kind: NameKind) -> impl Iterator<Item = &Occurrence> {
        self.occurrences
            .iter()
            .filter(move |o| o.declaration && o.kind == kind)
    }
}

/// The walk over the syntax tree that collects occurrences.
#[derive(Default)]
struct Walk {
    out: Vec<Occurrence>,
}

impl Walk {
    fn push(&mut self, kind: NameKind, name: &str, span: Span, quoted: bool, declaration: bool) {
        self.out.push(Occurrence {
            kind,
            name: name.to_owned(),
            span,
            quoted,
            declaration,
        });
    }

    fn text(&mut self, kind: NameKind, text: &ast::Text, declaration: bool) {
        self.push(kind, &text.value, text.span, true, declaration);
    }

    fn ident(&mut self, kind: NameKind, ident: &ast::Ident, declaration: bool) {
        self.push(kind, &ident.name, ident.span, false, declaration);
    }

    /// A group member or a name in a role: a group when one is declared
    /// under that bare name, else a credential.
    fn member(&mut self, member: &ast::ExamCode, groups: &HashSet<&str>) {
        let kind = if !member.quoted && groups.contains(member.code.as_str()) {
            NameKind::Group
        } else {
            NameKind::Credential
        };
        self.push(kind, &member.code, member.span, member.quoted, false);
    }

    fn item(&mut self, item: &ast::Item, groups: &HashSet<&str>) {
        match item {
            ast::Item::Market(d) => self.ident(NameKind::Market, &d.id, true),
            ast::Item::ClosedMarkets(list, _) => {
                for market in list {
                    self.ident(NameKind::Market, market, false);
                }
            }
            ast::Item::Association(d) => self.ident(NameKind::Association, &d.id, true),
            ast::Item::Attribute(d) => self.ident(NameKind::Attribute, &d.id, true),
            ast::Item::Field(f) => self.ident(NameKind::Field, &f.id, true),
            ast::Item::Tiers(tiers, _) => {
                for tier in tiers {
                    self.ident(NameKind::Tier, tier, true);
                }
            }
            ast::Item::Exam(e) => {
                self.push(
                    NameKind::Credential,
                    &e.code.code,
                    e.code.span,
                    e.code.quoted,
                    true,
                );
            }
            ast::Item::Group(g) => {
                self.ident(NameKind::Group, &g.name, true);
                for member in &g.exams {
                    self.member(member, groups);
                }
            }
            ast::Item::Product(p) => {
                self.text(NameKind::Product, &p.name, true);
                // A former name declares another name of the product.
                for former in &p.former_names {
                    self.text(NameKind::Product, former, true);
                }
            }
            ast::Item::Family(f) => {
                self.text(NameKind::Product, &f.name, true);
                for member in &f.members {
                    self.text(NameKind::Product, member, false);
                }
            }
            ast::Item::Measure(m) => {
                self.ident(NameKind::Measure, &m.name, true);
                match &m.body {
                    ast::MeasureBody::Revenue { filter, .. }
                    | ast::MeasureBody::Usage { filter, .. } => {
                        for product in &filter.products {
                            self.text(NameKind::Product, product, false);
                        }
                        for association in &filter.associations {
                            self.ident(NameKind::Association, association, false);
                        }
                        for condition in &filter.conditions {
                            self.ident(NameKind::Field, &condition.field, false);
                        }
                        for clause in &filter.customers_of {
                            self.ident(NameKind::Measure, &clause.measure, false);
                        }
                    }
                    ast::MeasureBody::DistinctCustomers { of, .. } => {
                        self.ident(NameKind::Measure, of, false);
                    }
                }
            }
            ast::Item::Option(o) => {
                self.ident(NameKind::Option, &o.name, true);
                for tier in &o.tiers {
                    self.ident(NameKind::Tier, &tier.name, false);
                    self.requirements(&tier.requirements, groups);
                }
            }
            // Header lines name nothing; constructs added to the language
            // later are indexed once this walk learns them.
            #[allow(unreachable_patterns)]
            _ => {}
        }
    }

    fn requirements(&mut self, requirements: &[ast::Requirement], groups: &HashSet<&str>) {
        for requirement in requirements {
            match requirement {
                ast::Requirement::Measure(r) => {
                    self.ident(NameKind::Measure, &r.measure, false);
                    if let ast::Threshold::PerMarket(markets, _) = &r.threshold {
                        for market in markets {
                            if let ast::ThresholdMarket::Named(name) = &market.market {
                                self.ident(NameKind::Market, name, false);
                            }
                        }
                    }
                }
                ast::Requirement::People(p) => {
                    for role in &p.roles {
                        for group in &role.groups {
                            match group {
                                ast::RoleRef::Name(code) => self.member(code, groups),
                                ast::RoleRef::List { members, .. } => {
                                    for member in members {
                                        self.member(member, groups);
                                    }
                                }
                            }
                        }
                    }
                }
                ast::Requirement::Attribute(attribute, _) => {
                    self.ident(NameKind::Attribute, attribute, false);
                }
                ast::Requirement::Either(branches, _) => {
                    for branch in branches {
                        self.requirements(&branch.requirements, groups);
                    }
                }
                // See `item`: a requirement this walk does not know yet.
                #[allow(unreachable_patterns)]
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{NameIndex, NameKind};

    const POLICY: &str = r#"competency k "한국어 제목" {
  tiers silver, gold
  market developed "선진 시장"
  exam MB2-714 "고객 서비스"
  exam "MCSA: Linux" "리눅스"
  group base = any of mb2_714, "MCSA: Linux"
  group top = all of base
  revenue crm = net_new from "CRM" over trailing 12 months
  option o {
    tier silver { require crm >= { developed: 1 USD } }
    tier gold { require shared people { 1 passing top and base } }
  }
}"#;

    #[test]
    fn finds_declarations_and_uses_by_the_checkers_keys() {
        let file = crate::syntax::parse(POLICY).unwrap();
        let index = NameIndex::new(&file);
        let at = |needle: &str, nth: usize| {
            let offset = POLICY.match_indices(needle).nth(nth).unwrap().0;
            index.at(offset).unwrap().clone()
        };
        // `base` in `all of base` is the group, not a credential.
        let base_use = at("base", 1);
        assert_eq!(base_use.kind, NameKind::Group);
        assert!(!base_use.declaration);
        let declarations: Vec<_> = index.declarations(&base_use).collect();
        assert_eq!(declarations.len(), 1);
        assert_eq!(declarations[0].span.start, POLICY.find("base").unwrap());
        assert_eq!(index.references(&base_use).count(), 3);
        // `mb2 714` matches `MB2-714` as the evaluator matches codes.
        let code = at("MB2-714", 0);
        assert_eq!(index.references(&code).count(), 2);
        let quoted = at("\"MCSA: Linux\"", 1);
        assert!(quoted.quoted);
        assert_eq!(index.references(&quoted).count(), 2);
        assert_eq!(index.references(&at("developed", 1)).count(), 2);
        assert_eq!(index.references(&at("silver", 0)).count(), 2);
        assert!(index.at(POLICY.find("net_new").unwrap()).is_none());
    }

    #[test]
    fn a_field_is_declared_once_and_used_in_where_conditions() {
        let text = r#"competency k {
  tiers gold
  field segment "Customer segment" = "enterprise", "smb"
  revenue a = net_new from "CRM" over trailing 12 months where segment is "enterprise"
  usage b = seats from "CRM" over trailing 12 months paid only, where segment is not "smb"
  option o { tier gold { require a >= 1 USD } }
}"#;
        let file = crate::syntax::parse(text).unwrap();
        let index = NameIndex::new(&file);
        let second_use = text.match_indices("segment").nth(3).unwrap().0;
        let used = index.at(second_use).unwrap().clone();
        assert_eq!(used.kind, NameKind::Field);
        assert!(!used.declaration);
        let declarations: Vec<_> = index.declarations(&used).collect();
        assert_eq!(declarations.len(), 1);
        assert_eq!(declarations[0].span.start, text.find("segment").unwrap());
        assert_eq!(index.references(&used).count(), 3);
        // The values are not names.
        assert!(index.at(text.find("\"enterprise\"").unwrap() + 1).is_none());
    }

    #[test]
    fn finds_products_and_families_by_the_names_data_matches() {
        let text = r#"competency k {
  tiers silver
  product "Dynamics 365 Customer Engagement" formerly "Dynamics 365 Plan 1"
  product "Dynamics 365 for Sales"
  family "Enterprise" = "dynamics 365 customer engagement", "Dynamics 365 for Sales"
  revenue crm = net_new from "Enterprise", " Dynamics 365 for Sales" over trailing 12 months
  option o { tier silver { require crm >= 1 USD } }
}"#;
        let file = crate::syntax::parse(text).unwrap();
        let index = NameIndex::new(&file);
        let at = |needle: &str, nth: usize| {
            let offset = text.match_indices(needle).nth(nth).unwrap().0;
            index.at(offset + 1).unwrap().clone()
        };
        // A member written in another case is the product.
        let member = at("\"dynamics 365 customer engagement\"", 0);
        assert_eq!(member.kind, NameKind::Product);
        let declarations: Vec<_> = index.declarations(&member).collect();
        assert_eq!(declarations.len(), 1);
        assert_eq!(
            declarations[0].span.start,
            text.find("\"Dynamics 365 Customer Engagement\"").unwrap()
        );
        // The family: its declaration and the measure's use.
        assert_eq!(index.references(&at("\"Enterprise\"", 1)).count(), 2);
        // Surrounding spaces aside: declaration, member and measure.
        assert_eq!(
            index.references(&at("Dynamics 365 for Sales", 0)).count(),
            3
        );
        // A former name is declared, as another name of its product.
        assert!(at("Dynamics 365 Plan 1", 0).declaration);
    }
}
