//! Reading batches: a street admin over the provider's communities, the provider's admins and
//! leaders, or its systems with `orders:read`.

use diesel::prelude::*;

use super::{
    SETTLEMENT_COLUMNS, Settlement, SettlementError, SettlementLine, SettlementRow, lines,
    settlement, settlement_of,
};
use crate::access::Principal;
use crate::api_keys::Scope;
use crate::db::{AnyConnection, Db};
use crate::organizations::{MemberRole, OrganizationId};
use crate::paid::SettlementId;
use crate::paid::offerings::{ProviderActor, check_provider};
use crate::paid::terms::may_review;
use crate::schema::paid_settlements;

/// Who reads settlements.
#[derive(Debug, Clone)]
pub enum SettlementReader {
    /// A street admin over the provider's communities, or a member of the provider.
    Person(Principal),
    /// The provider's systems (`orders:read`).
    Partner(crate::api_keys::PartnerKey),
}

fn check_reader(
    conn: &mut AnyConnection,
    reader: &SettlementReader,
    org: OrganizationId,
) -> Result<(), SettlementError> {
    match reader {
        SettlementReader::Person(principal) => {
            if may_review(conn, principal, org)? {
                return Ok(());
            }
            check_provider(
                conn,
                &ProviderActor::Person(principal.clone()),
                org,
                &[MemberRole::Admin, MemberRole::Leader],
                Scope::OrdersRead,
            )
            .map(|_| ())
            .map_err(|_| SettlementError::NotFound)
        }
        SettlementReader::Partner(key) => {
            check_provider(
                conn,
                &ProviderActor::Partner(key.clone()),
                org,
                &[],
                Scope::OrdersRead,
            )?;
            Ok(())
        }
    }
}

/// A provider's batches, newest first.
pub async fn list_settlements(
    db: &Db,
    reader: SettlementReader,
    org: OrganizationId,
) -> Result<Vec<Settlement>, SettlementError> {
    db.run(move |conn| {
        check_reader(conn, &reader, org)?;
        let rows: Vec<SettlementRow> = paid_settlements::table
            .filter(paid_settlements::organization_id.eq(org.0))
            .order(paid_settlements::period_start.desc())
            .select(SETTLEMENT_COLUMNS)
            .load(conn)?;
        rows.into_iter()
            .map(|r| settlement_of(conn, r).map_err(SettlementError::from))
            .collect()
    })
    .await
}

/// One batch with its lines.
pub async fn get_settlement(
    db: &Db,
    reader: SettlementReader,
    id: SettlementId,
) -> Result<(Settlement, Vec<SettlementLine>), SettlementError> {
    db.run(move |conn| {
        let batch = settlement(conn, id)?.ok_or(SettlementError::NotFound)?;
        check_reader(conn, &reader, batch.organization)?;
        let lines = lines(conn, &batch)?;
        Ok((batch, lines))
    })
    .await
}
