//! The product catalogue: products with their former names, families of
//! products, and the declared revenue types and usage metrics. Once a
//! policy declares products (or families), every product a measure names
//! must be one of them; once it declares types (metrics), every type
//! (metric) a measure names must be one of those. A policy that declares
//! none names them freely, as before.
//!
//! Names compare as the evaluator matches data, ignoring case and
//! surrounding spaces, so a name that clashes here would match the same
//! lines in data.

use std::borrow::Cow;
use std::collections::HashMap;

use super::declare::Names;
use super::{Checker, PolicyError, sp};
use crate::ast::{self, LineSource, Span};
use crate::model::{LineKind, Policy, Product, ProductFamily, ProductId};

/// What a name of the catalogue means.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Meaning {
    /// The current name of a product, by index.
    Product(usize),
    /// A former name of a product, by index.
    Former(usize),
    /// A family, by index.
    Family(usize),
}

/// The catalogue as the checker reads it, for resolving measures.
pub(super) struct Catalogue {
    /// Every name (current, former, family) by its key, with where it is
    /// first written.
    meanings: HashMap<String, (Meaning, Span)>,
    /// Products and families, for did-you-mean suggestions.
    names: Names,
    /// The declared revenue types, when the policy declares them.
    revenue_types: Option<Names>,
    /// The declared usage metrics, when the policy declares them.
    usage_metrics: Option<Names>,
}

/// The key a product name is compared by: without case or surrounding
/// spaces, as [`crate::model::same_name`] compares data.
fn key(name: &str) -> String {
    name.trim().to_lowercase()
}

impl Catalogue {
    /// Whether the policy declares products or families.
    pub(super) fn declared(&self) -> bool {
        !self.meanings.is_empty()
    }
}

impl Checker {
    /// Declares the catalogue of `c` into `policy`: products, former names
    /// and families (members resolved and expanded), revenue types and
    /// usage metrics, reporting every clash.
    pub(super) fn catalogue(&mut self, c: &ast::Competency, policy: &mut Policy) -> Catalogue {
        let mut catalogue = Catalogue {
            meanings: HashMap::new(),
            names: Names::product_names("product"),
            revenue_types: None,
            usage_metrics: None,
        };
        let products: Vec<&ast::ProductDecl> = c
            .items
            .iter()
            .filter_map(|i| match i {
                ast::Item::Product(p) => Some(p),
                _ => None,
            })
            .collect();
        let families: Vec<&ast::FamilyDecl> = c
            .items
            .iter()
            .filter_map(|i| match i {
                ast::Item::Family(f) => Some(f),
                _ => None,
            })
            .collect();
        // Current names first, so that a former name or a family clashing
        // with one is the one reported, wherever it is written.
        for p in &products {
            let index = policy.products.len();
            if self.name(&mut catalogue, &p.name, Meaning::Product(index), policy) {
                catalogue
                    .names
                    .declare(&p.name.value, p.name.span, &mut Vec::new());
                policy.products.push(Product {
                    name: p.name.value.clone(),
                    former_names: Vec::new(),
                    span: p.span,
                });
            }
        }
        for p in &products {
            let Some(index) = policy.products.iter().position(|d| d.span == p.span) else {
                continue;
            };
            for former in &p.former_names {
                if self.name(&mut catalogue, former, Meaning::Former(index), policy)
                    && let Some(product) = policy.products.get_mut(index)
                {
                    product.former_names.push(former.value.clone());
                }
            }
        }
        let mut declared_families = Vec::new();
        for f in &families {
            let index = policy.families.len();
            if self.name(&mut catalogue, &f.name, Meaning::Family(index), policy) {
                catalogue
                    .names
                    .declare(&f.name.value, f.name.span, &mut Vec::new());
                policy.families.push(ProductFamily {
                    name: f.name.value.clone(),
                    members: f.members.iter().map(|m| m.value.clone()).collect(),
                    products: Vec::new(),
                    span: f.span,
                });
                declared_families.push(*f);
            }
        }
        self.family_members(&catalogue, &declared_families, policy);
        for item in &c.items {
            let ast::Item::LineTypes(t) = item else {
                continue;
            };
            let (names, list, kind) = match t.source {
                LineSource::Revenue => (
                    &mut catalogue.revenue_types,
                    &mut policy.revenue_types,
                    "revenue type",
                ),
                LineSource::Usage => (
                    &mut catalogue.usage_metrics,
                    &mut policy.usage_metrics,
                    "usage metric",
                ),
            };
            let names = names.get_or_insert_with(|| Names::ignoring_case(kind));
            for name in &t.names {
                if names.declare_id(name, &mut self.errors) {
                    list.push(LineKind {
                        name: name.name.clone(),
                        span: name.span,
                    });
                }
            }
        }
        catalogue
    }

    /// Indexes `name` as meaning `meaning`; reports and returns false when
    /// it already means something in the catalogue.
    fn name(
        &mut self,
        catalogue: &mut Catalogue,
        name: &ast::Text,
        meaning: Meaning,
        policy: &Policy,
    ) -> bool {
        let k = key(&name.value);
        let Some(&(first, first_span)) = catalogue.meanings.get(&k) else {
            catalogue.meanings.insert(k, (meaning, name.span));
            return true;
        };
        let kind = |m: Meaning| match m {
            Meaning::Product(_) => "product",
            Meaning::Former(_) => "former name",
            Meaning::Family(_) => "family",
        };
        if matches!(
            (first, meaning),
            (Meaning::Product(_), Meaning::Product(_)) | (Meaning::Family(_), Meaning::Family(_))
        ) {
            self.errors.push(PolicyError::Duplicate {
                kind: kind(meaning),
                name: name.value.clone(),
                span: sp(name.span),
                first: sp(first_span),
            });
            return false;
        }
        let product = |i: usize| {
            policy
                .products
                .get(i)
                .map_or_else(String::new, |p| p.name.clone())
        };
        let (reason, help) = match (first, meaning) {
            (Meaning::Product(i), Meaning::Former(j)) if i == j => (
                "it is the product's own name".to_owned(),
                "a product's former names are the names it had before; drop this one".to_owned(),
            ),
            (Meaning::Product(i), Meaning::Former(j)) => (
                format!(
                    "it is the name of product `{}`, also in the catalogue",
                    product(i)
                ),
                format!(
                    "lines of `{}` would count as lines of both; if it was renamed `{}`, drop its own declaration, otherwise drop it from the former names",
                    name.value,
                    product(j)
                ),
            ),
            (Meaning::Former(i), Meaning::Former(j)) if i == j => (
                "it is listed twice".to_owned(),
                "drop one of them".to_owned(),
            ),
            (Meaning::Former(i), Meaning::Former(j)) => (
                format!("it is already a former name of `{}`", product(i)),
                format!(
                    "one old name can have become only one product: keep `{}` as a former name of `{}` or of `{}`, not both",
                    name.value,
                    product(i),
                    product(j)
                ),
            ),
            (Meaning::Family(_), _) | (_, Meaning::Family(_)) => (
                format!("it is already a {}", kind(first)),
                "give the family a name of its own, such as the page's name for the whole family"
                    .to_owned(),
            ),
            _ => (
                format!("it is already a {}", kind(first)),
                "each name means one product; rename one of them".to_owned(),
            ),
        };
        self.errors.push(PolicyError::CatalogueNameClash {
            name: name.value.clone(),
            reason,
            span: sp(name.span),
            first: sp(first_span),
            help,
        });
        false
    }

    /// Resolves each family's members (products or families, by current
    /// name), reports empty families and families that contain themselves,
    /// and expands each to its products.
    fn family_members(
        &mut self,
        catalogue: &Catalogue,
        decls: &[&ast::FamilyDecl],
        policy: &mut Policy,
    ) {
        let mut direct: Vec<Vec<Meaning>> = Vec::with_capacity(decls.len());
        for f in decls {
            if f.members.is_empty() {
                self.errors.push(PolicyError::EmptyFamily {
                    name: f.name.value.clone(),
                    span: sp(f.span),
                });
            }
            let members = f
                .members
                .iter()
                .filter_map(|m| self.product_or_family(catalogue, m, policy))
                .collect();
            direct.push(members);
        }
        for (i, decl) in decls.iter().enumerate() {
            let mut products = Vec::new();
            let mut path = vec![i];
            if let Err(cycle) = expand(&direct, i, &mut path, &mut products) {
                let names: Vec<String> = cycle
                    .iter()
                    .filter_map(|&f| policy.families.get(f))
                    .map(|f| format!("`{}`", f.name))
                    .collect();
                // Reported once, by the chain's first family in the policy.
                if cycle.iter().min() == Some(&i) {
                    self.errors.push(PolicyError::FamilyContainsItself {
                        name: decl.name.value.clone(),
                        path: names.join(" > "),
                        span: sp(decl.name.span),
                    });
                }
                continue;
            }
            if let Some(family) = policy.families.get_mut(i) {
                family.products = products.into_iter().map(ProductId).collect();
            }
        }
    }

    /// What a product name written in a measure or family means: a product
    /// or a family. A former name or an unknown name is reported.
    fn product_or_family(
        &mut self,
        catalogue: &Catalogue,
        name: &ast::Text,
        policy: &Policy,
    ) -> Option<Meaning> {
        match catalogue.meanings.get(&key(&name.value)) {
            Some((Meaning::Former(i), _)) => {
                self.errors.push(PolicyError::FormerProductName {
                    name: name.value.clone(),
                    current: policy
                        .products
                        .get(*i)
                        .map_or_else(String::new, |p| p.name.clone()),
                    span: sp(name.span),
                });
                None
            }
            Some((meaning, _)) => Some(*meaning),
            None => {
                let help = catalogue
                    .names
                    .suggest_except(&name.value, &[])
                    .unwrap_or_else(|| {
                        format!(
                            "declare it in the catalogue (`product \"{}\"`), or add it to a family",
                            name.value
                        )
                    });
                self.errors.push(PolicyError::UnknownProduct {
                    name: name.value.clone(),
                    span: sp(name.span),
                    help,
                });
                None
            }
        }
    }

    /// Every product name a line may be recorded under to count for a
    /// measure naming `products`: without a catalogue, the names as
    /// written; with one, each product with its former names, and each
    /// family's products with theirs. Names the catalogue lacks are reported.
    pub(super) fn product_names(
        &mut self,
        catalogue: &Catalogue,
        products: &[ast::Text],
        policy: &Policy,
    ) -> Vec<String> {
        if !catalogue.declared() {
            return products.iter().map(|p| p.value.clone()).collect();
        }
        let mut ids: Vec<usize> = Vec::new();
        for p in products {
            match self.product_or_family(catalogue, p, policy) {
                Some(Meaning::Product(i)) => ids.push(i),
                Some(Meaning::Family(f)) => ids.extend(
                    policy
                        .families
                        .get(f)
                        .into_iter()
                        .flat_map(|f| f.products.iter().map(|p| p.0)),
                ),
                _ => {}
            }
        }
        let mut names: Vec<String> = Vec::new();
        for i in ids {
            let Some(product) = policy.products.get(i) else {
                continue;
            };
            for name in std::iter::once(&product.name).chain(&product.former_names) {
                if !names.iter().any(|n| key(n) == key(name)) {
                    names.push(name.clone());
                }
            }
        }
        names
    }

    /// Reports a revenue type (`source` revenue) or usage metric the
    /// policy's declared list lacks, when it declares one.
    pub(super) fn line_kind(
        &mut self,
        catalogue: &Catalogue,
        source: LineSource,
        name: &ast::Ident,
    ) {
        let names = match source {
            LineSource::Revenue => catalogue.revenue_types.as_ref(),
            LineSource::Usage => catalogue.usage_metrics.as_ref(),
        };
        // A quantifier word is E0337's, not an unknown type.
        let Some(names) = names.filter(|_| !super::nonsense::is_quantifier_word(&name.name)) else {
            return;
        };
        if names.get(&name.name).is_some() {
            return;
        }
        let (kind, declaration) = match source {
            LineSource::Revenue => ("revenue type", "revenue types"),
            LineSource::Usage => ("usage metric", "usage metrics"),
        };
        let help = names.suggest_except(&name.name, &[]).unwrap_or_else(|| {
            format!("add it to the policy's `{declaration}` line, if the data has lines of it")
        });
        self.errors.push(PolicyError::UnknownLineKind {
            kind,
            name: name.name.clone(),
            span: sp(name.span),
            help,
        });
    }
}

/// Expands family `family` into `products` (indices, each once), following
/// member families depth first along `path`. A family met again on the
/// path is a cycle, returned from where it starts.
fn expand(
    direct: &[Vec<Meaning>],
    family: usize,
    path: &mut Vec<usize>,
    products: &mut Vec<usize>,
) -> Result<(), Vec<usize>> {
    for member in direct.get(family).into_iter().flatten() {
        match *member {
            Meaning::Product(p) => {
                if !products.contains(&p) {
                    products.push(p);
                }
            }
            Meaning::Family(inner) => {
                if let Some(at) = path.iter().position(|&f| f == inner) {
                    let mut cycle: Vec<usize> = path.get(at..).unwrap_or(&[]).to_vec();
                    cycle.push(inner);
                    return Err(cycle);
                }
                path.push(inner);
                expand(direct, inner, path, products)?;
                path.pop();
            }
            Meaning::Former(_) => {}
        }
    }
    Ok(())
}

impl Names {
    /// Product and family names, compared as data matches them (without
    /// case or surrounding spaces).
    pub(super) fn product_names(kind: &'static str) -> Self {
        Names::keyed(kind, |name| Cow::Owned(key(name)))
    }
}
