/** Instances grouped into their reservations, in the order they come. */
import type { Reservation } from '../../schemas/types.js';
import type { InstanceView } from '../../lib/domain/instances/instance-model.js';

export function reservationsOf(views: InstanceView[]): Reservation[] {
  const byId = new Map<string, Reservation>();
  for (const view of views) {
    let reservation = byId.get(view.reservationId);
    if (!reservation) {
      reservation = { ReservationId: view.reservationId, OwnerId: view.ownerId, Groups: [], Instances: [] };
      byId.set(view.reservationId, reservation);
    }
    reservation.Instances!.push(view.instance);
  }
  return [...byId.values()];
}
