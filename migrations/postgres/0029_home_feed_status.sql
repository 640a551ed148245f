-- A deleted status leaves every home feed, found by its id or as the status a row
-- reblogs; without these, each deletion read the whole table.
CREATE INDEX home_feed_status ON home_feed (status_id);
CREATE INDEX home_feed_reblog ON home_feed (reblog_of_id);
