// Package deploy holds no code that ships: its tests check the deployment
// files at the repository root (docker-compose.yml, Dockerfile) and the
// files under deploy/ that they mount, against the settings the gongkai
// binary really reads (package config), and check that the MySQL server
// .ci/run starts for the other tests is reachable.
package deploy
