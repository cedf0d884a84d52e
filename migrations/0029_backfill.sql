-- Events fetched with /backfill are older than everything the server had:
-- they take stream positions counting down from -1, below every live
-- position, so /sync (which reads the events stream above its token) never
-- mistakes history for news, while /messages orders them by depth as usual.
CREATE SEQUENCE backfill_stream_seq INCREMENT BY -1 START WITH -1 MAXVALUE -1;
