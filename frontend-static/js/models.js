// The model catalog (GET /api/models), read once per page for every section: the studio's
// composer, the gallery's model filter and every caption that names a model.

export class Models {
  /** @param {import('./api.js').Api} api */
  constructor(api) {
    this.api = api;
    /** @type {object[]} the catalog's entries, in its order */
    this.list = [];
    /** @type {Map<string, object>} id → entry */
    this.byId = new Map();
    this.loading = null;
  }

  /** The catalog, asked for once; a failure is not kept (the next call asks again). */
  load() {
    this.loading ||= this.api.models().then(
      ({ models }) => {
        this.list = models || [];
        this.byId = new Map(this.list.map((m) => [m.id, m]));
        return this.list;
      },
      (err) => {
        this.loading = null;
        throw err;
      },
    );
    return this.loading;
  }

  /** Resolves when the catalog came or could not come (a caption then shows the id). */
  settled() {
    return this.load().catch(() => {});
  }

  /** A model's name, else its id. */
  name(id) {
    return this.byId.get(id)?.name || id || '';
  }
}
