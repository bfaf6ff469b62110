/**
 * The namespace of the Durable Object class `ctx` belongs to, for the calls an object makes to its siblings
 * (a session object to its user's object): the Worker's own export of `className` (`ctx.exports`, where the
 * runtime has it), else the binding in `env` that names this very object (the Worker binds the namespace it
 * uses). Undefined when there is neither.
 *
 * @example
 * ```ts
 * const users = ownNamespace<SessionObject>(this.ctx, this.env, "SessionObject");
 * await users?.getByName("u:alice").removeSessions([{ id, seq }]);
 * ```
 */
export function ownNamespace<T extends Rpc.DurableObjectBranded | undefined>(
  ctx: DurableObjectState,
  env: unknown,
  className: string,
): DurableObjectNamespace<T> | undefined {
  const name = ctx.id.name!;
  const exported = (ctx.exports as Partial<Record<string, unknown>> | undefined)?.[className];
  const candidates = [exported, ...Object.values((env ?? {}) as Record<string, unknown>)];
  // Tagged first: a method of any other binding (a service's RPC stub answers every name) is never called.
  return candidates.find(
    (candidate): candidate is DurableObjectNamespace<T> =>
      Object.prototype.toString.call(candidate) === "[object DurableObjectNamespace]" &&
      (candidate as DurableObjectNamespace).idFromName(name).equals(ctx.id) === true,
  );
}
