-- 0010_hidden_images.sql (PostgreSQL): "hidden" belongs to the image, not to a capture
-- row. A moderator who hides a capture's image (possible child abuse material, referred)
-- hides its screenshot and every frame by their SHA-256; a capture stored later whose
-- screenshot or any frame has the same bytes is hidden as it is stored (the triggers
-- below), whichever school it comes from. captures.image_hidden stays the flag every
-- reader uses: it is 1 when the screenshot or a frame of the capture is hidden. The
-- rows are kept when retention or erasure deletes the captures that used the image.
CREATE TABLE hidden_images (
	sha256 TEXT PRIMARY KEY,
	time BIGINT NOT NULL,           -- when it was hidden (ms since the epoch)
	capture_id TEXT                 -- the capture it was hidden from
);
INSERT INTO hidden_images (sha256, time, capture_id)
	SELECT image_sha256, MAX(COALESCE(status_time, received)), MIN(id) FROM captures
	WHERE image_hidden = 1 GROUP BY image_sha256;
INSERT INTO hidden_images (sha256, time, capture_id)
	SELECT f.sha256, MAX(COALESCE(c.status_time, c.received)), MIN(c.id)
	FROM capture_frames f JOIN captures c ON c.id = f.capture_id
	WHERE c.image_hidden = 1 GROUP BY f.sha256
	ON CONFLICT (sha256) DO NOTHING;
UPDATE captures SET image_hidden = 1 WHERE image_hidden = 0 AND (
	image_sha256 IN (SELECT sha256 FROM hidden_images) OR
	id IN (SELECT f.capture_id FROM capture_frames f JOIN hidden_images h ON h.sha256 = f.sha256));
CREATE FUNCTION captures_hidden_image() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF EXISTS (SELECT 1 FROM hidden_images WHERE sha256 = NEW.image_sha256) THEN
		UPDATE captures SET image_hidden = 1 WHERE id = NEW.id;
	END IF;
	RETURN NULL;
END;
$$;
CREATE TRIGGER captures_hidden_image AFTER INSERT ON captures
	FOR EACH ROW EXECUTE FUNCTION captures_hidden_image();
CREATE FUNCTION capture_frames_hidden_image() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF EXISTS (SELECT 1 FROM hidden_images WHERE sha256 = NEW.sha256) THEN
		UPDATE captures SET image_hidden = 1 WHERE id = NEW.capture_id;
	END IF;
	RETURN NULL;
END;
$$;
CREATE TRIGGER capture_frames_hidden_image AFTER INSERT ON capture_frames
	FOR EACH ROW EXECUTE FUNCTION capture_frames_hidden_image();
