-- InitiateAuth and friends carry only a client ID: find the client without its pool.
-- Not unique: IDs are random (26 characters), so collisions across pools do not happen in practice.
CREATE INDEX clients_by_client_id ON clients (client_id);
