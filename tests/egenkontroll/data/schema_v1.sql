CREATE INDEX ix_audit_session ON audit_log (session_id, arende_id);

CREATE INDEX ix_cases_arendetyp_inkom ON cases (arendetyp, inkom_datum);

CREATE TABLE answers (
	session_id VARCHAR(64) NOT NULL,
	arende_id VARCHAR(200) NOT NULL,
	item_id VARCHAR(100) NOT NULL,
	value TEXT,
	comment TEXT,
	reviewer TEXT NOT NULL,
	recorded_at VARCHAR(32) NOT NULL,
	revision INTEGER NOT NULL,
	PRIMARY KEY (session_id, arende_id, item_id),
	FOREIGN KEY(session_id) REFERENCES sessions (id)
);

CREATE TABLE audit_log (
	id INTEGER NOT NULL,
	at VARCHAR(32) NOT NULL,
	actor TEXT NOT NULL,
	action VARCHAR(32) NOT NULL,
	session_id VARCHAR(64),
	arende_id VARCHAR(200),
	item_id VARCHAR(100),
	old_value TEXT,
	new_value TEXT,
	old_comment TEXT,
	new_comment TEXT,
	revision INTEGER,
	PRIMARY KEY (id)
);

CREATE TABLE cases (
	arende_id VARCHAR(200) NOT NULL,
	person_id TEXT,
	kon VARCHAR(8),
	fodelsear INTEGER,
	enhet TEXT,
	handlaggare TEXT,
	arendetyp VARCHAR(32),
	inkom_datum VARCHAR(10),
	forhandsbedomning_datum VARCHAR(10),
	pagaende_utredning BOOLEAN,
	utredning_inledd VARCHAR(10),
	utredning_avslutad VARCHAR(10),
	forlangning_beslutad BOOLEAN,
	beslut_datum VARCHAR(10),
	verkstallt_datum VARCHAR(10),
	barn_i_hushallet BOOLEAN,
	extra TEXT NOT NULL,
	row_hash VARCHAR(32) NOT NULL,
	import_id INTEGER NOT NULL,
	imported_at VARCHAR(32) NOT NULL,
	PRIMARY KEY (arende_id)
);

CREATE TABLE corrections (
	arende_id VARCHAR(200) NOT NULL,
	field VARCHAR(64) NOT NULL,
	original TEXT,
	corrected TEXT,
	reason TEXT NOT NULL,
	reviewer TEXT NOT NULL,
	corrected_at VARCHAR(32) NOT NULL,
	revision INTEGER NOT NULL,
	session_id VARCHAR(64) NOT NULL,
	PRIMARY KEY (arende_id, field),
	FOREIGN KEY(session_id) REFERENCES sessions (id)
);

CREATE TABLE imports (
	id INTEGER NOT NULL,
	file TEXT NOT NULL,
	profile TEXT NOT NULL,
	rows INTEGER NOT NULL,
	new INTEGER NOT NULL,
	changed INTEGER NOT NULL,
	unchanged INTEGER NOT NULL,
	imported_by TEXT NOT NULL,
	imported_at VARCHAR(32) NOT NULL,
	PRIMARY KEY (id)
);

CREATE TABLE schema_version (
	version INTEGER NOT NULL,
	applied_at VARCHAR(32) NOT NULL,
	PRIMARY KEY (version)
);

CREATE TABLE session_cases (
	session_id VARCHAR(64) NOT NULL,
	arende_id VARCHAR(200) NOT NULL,
	position INTEGER NOT NULL,
	stratum TEXT NOT NULL,
	inclusion_probability FLOAT NOT NULL,
	weight FLOAT NOT NULL,
	PRIMARY KEY (session_id, arende_id),
	FOREIGN KEY(session_id) REFERENCES sessions (id)
);

CREATE TABLE sessions (
	id VARCHAR(64) NOT NULL,
	title TEXT NOT NULL,
	checklist_id VARCHAR(100) NOT NULL,
	checklist_version VARCHAR(50) NOT NULL,
	checklist_source TEXT NOT NULL,
	period_start VARCHAR(10),
	period_end VARCHAR(10),
	manifest TEXT NOT NULL,
	created_by TEXT NOT NULL,
	created_at VARCHAR(32) NOT NULL,
	PRIMARY KEY (id)
);

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
