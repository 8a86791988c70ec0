-- The delivery log is written only by the delivery worker, always after an update of the
-- endpoint's row in the same transaction (a success or failure streak): that update finds the
-- endpoint or says it is gone, and holds the row until commit, so an endpoint cannot be deleted
-- between the update and the log lines. Deleting an endpoint deletes the endpoint first (waiting
-- for any such transaction), then its log lines. The foreign key checked the same thing once per
-- line, with a locking lookup of the endpoint: half the cost of writing a settling round's log.
ALTER TABLE webhook_deliveries DROP CONSTRAINT webhook_deliveries_endpoint_id_fkey;
