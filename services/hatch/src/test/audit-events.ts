// The vault's read event, built by its contract: one fixture for hatch's specs, the e2e tests and the bench.
export { secretReadEvent as secretRead, SECRET_READ_SUBJECT } from '@hearth/testkit';
