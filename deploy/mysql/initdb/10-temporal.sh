# shellcheck shell=bash
# Sourced (not executed: keep this file non-executable) by the mysql image's
# entrypoint on the first start of an empty data volume, after it has created
# MYSQL_DATABASE and MYSQL_USER for gongkai. Creates the account Temporal's
# server and temporal-sql-tool use, limited to Temporal's two databases
# (temporal-sql-tool creates the databases themselves).
#
# docker-compose.yml passes MYSQL_TEMPORAL_PASSWORD. Changing that variable
# after the volume exists has no effect here: run
#   ALTER USER 'temporal'@'%' IDENTIFIED BY '...';
# as root in MySQL, then restart the temporal services.

if [ -z "${MYSQL_TEMPORAL_PASSWORD:-}" ]; then
	mysql_error "MYSQL_TEMPORAL_PASSWORD is not set: cannot create the temporal user"
fi

# Escape for a single-quoted SQL string literal.
temporal_pw=${MYSQL_TEMPORAL_PASSWORD//\\/\\\\}
temporal_pw=${temporal_pw//\'/\\\'}

mysql_note "creating user 'temporal'@'%' for databases temporal, temporal_visibility"
docker_process_sql <<-EOSQL
	CREATE USER IF NOT EXISTS 'temporal'@'%' IDENTIFIED BY '${temporal_pw}';
	GRANT ALL PRIVILEGES ON \`temporal\`.* TO 'temporal'@'%';
	GRANT ALL PRIVILEGES ON \`temporal_visibility\`.* TO 'temporal'@'%';
EOSQL
unset temporal_pw
