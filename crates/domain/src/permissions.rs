//! Permissions: a permission group and the module ids a member may read and manage.
//! Module ids are sets: deduplicated and sorted when parsed, at most 256 each.

use serde::{Deserialize, Serialize};

use crate::{Error, Result, WireInt, error::Validator};

/// The most module ids one list may carry.
pub const MAX_MODULE_IDS: usize = 256;

/// A set of module ids, sorted and without duplicates.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ModuleIds(Vec<i64>);

impl ModuleIds {
    pub fn parse(raw: &[i64]) -> Result<Self> {
        if raw.len() > MAX_MODULE_IDS {
            return Err(Error::invalid(
                "",
                format!("must hold at most {MAX_MODULE_IDS} ids"),
            ));
        }
        let mut ids = Vec::with_capacity(raw.len());
        for (i, v) in raw.iter().enumerate() {
            ids.push(WireInt::parse(*v).map_err(|e| e.at(&i.to_string()))?.get());
        }
        ids.sort_unstable();
        ids.dedup();
        Ok(Self(ids))
    }
    pub fn as_slice(&self) -> &[i64] {
        &self.0
    }
    /// Whether every id of `self` is in `other`.
    pub fn is_subset_of(&self, other: &ModuleIds) -> bool {
        self.0.iter().all(|id| other.0.binary_search(id).is_ok())
    }
}

/// What a member may do inside its organization, beyond its role.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Permissions {
    pub group: i64,
    #[serde(default)]
    pub read: ModuleIds,
    #[serde(default)]
    pub manage: ModuleIds,
}

impl Permissions {
    /// Parses a permission group and optional read/manage lists (absent lists are empty).
    pub fn parse(group: i64, read: Option<&[i64]>, manage: Option<&[i64]>) -> Result<Self> {
        let mut v = Validator::default();
        let group = v.check("group", WireInt::parse(group));
        let read = v.check("read", ModuleIds::parse(read.unwrap_or_default()));
        let manage = v.check("manage", ModuleIds::parse(manage.unwrap_or_default()));
        v.finish()?;
        Ok(Self {
            group: group.unwrap().get(),
            read: read.unwrap(),
            manage: manage.unwrap(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn module_ids_are_deduplicated_and_sorted() {
        assert_eq!(
            ModuleIds::parse(&[3, 1, 3, 2]).unwrap().as_slice(),
            &[1, 2, 3]
        );
    }

    #[test]
    fn more_than_256_module_ids_are_refused() {
        let many: Vec<i64> = (0..257).collect();
        assert!(ModuleIds::parse(&many).is_err());
        assert!(ModuleIds::parse(&many[..256]).is_ok());
    }

    #[test]
    fn permissions_report_each_bad_field() {
        let err = Permissions::parse(i64::MAX, Some(&[1, i64::MIN]), None).unwrap_err();
        let Error::Invalid(fields) = err else {
            panic!("expected Invalid")
        };
        let names: Vec<_> = fields.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(names, ["group", "read.1"]);
    }
}
